import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import { formatFieldErrors } from '../../../src/api/field-errors.js';

const F = 'FieldValueForbidden';
const I = 'FieldValueInvalid';

const source = (metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata,
  spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' } },
});

/** A valid config with a source and Kustomization in `namespace` (both, or just the one named). */
function withTemplates(sourceNamespace?: string, kustomizationNamespace?: string) {
  return {
    source: { template: source(sourceNamespace ? { namespace: sourceNamespace } : {}) },
    kustomization: {
      template: {
        metadata: kustomizationNamespace ? { namespace: kustomizationNamespace } : {},
        spec: { path: './', ...(sourceNamespace ? { sourceRef: { namespace: sourceNamespace } } : {}) },
      },
    },
  };
}

const findings = (config: unknown) => evaluateFluxConfig(config).errors.map((e) => [e.type, e.field]);

describe('namespaces that belong to Kubernetes or Gardener', () => {
  it.each(['kube-system', 'kube-public', 'kube-node-lease', 'default', 'kubernetes-dashboard', 'kube-flux'])(
    'refuse %s as flux.namespace',
    (namespace) => {
      expect(findings({ flux: { namespace } })).toEqual([[F, 'flux.namespace']]);
    },
  );

  it.each(['flux-system', 'gotk', 'kubeflux', 'my-kube-system', 'system'])(
    'accept %s as flux.namespace',
    (namespace) => {
      expect(findings({ flux: { namespace } })).toEqual([]);
    },
  );

  it.each([
    ['the source', withTemplates('kube-system'), [[F, 'source.template.metadata.namespace']]],
    [
      'the Kustomization',
      withTemplates(undefined, 'default'),
      [[F, 'kustomization.template.metadata.namespace']],
    ],
    [
      'both templates',
      withTemplates('kube-public', 'kube-node-lease'),
      [
        [F, 'source.template.metadata.namespace'],
        [F, 'kustomization.template.metadata.namespace'],
      ],
    ],
  ])('refuse %s in such a namespace', (_name, config, errors) => {
    expect(findings(config)).toEqual(errors);
  });

  it('reports a reserved Flux namespace once, not again at the templates it defaults', () => {
    expect(findings({ flux: { namespace: 'kube-system' }, ...withTemplates() })).toEqual([
      [F, 'flux.namespace'],
    ]);
  });

  it('keeps an invalid name an Invalid value, not Forbidden', () => {
    expect(findings({ flux: { namespace: 'Kube-System' } })).toEqual([[I, 'flux.namespace']]);
  });

  it('says why, in Kubernetes wording, without a value', () => {
    const { errors } = evaluateFluxConfig({ flux: { namespace: 'kube-system' } });
    expect(formatFieldErrors(errors)).toBe(
      'flux.namespace: Forbidden: may not be kube-system: the namespace belongs to Kubernetes or ' +
        'Gardener in the shoot; use a namespace of your own, e.g. flux-system',
    );
    const prefixed = evaluateFluxConfig({ flux: { namespace: 'kube-flux' } });
    expect(prefixed.errors[0]?.detail).toContain('reserved for Kubernetes system namespaces');
  });
});
