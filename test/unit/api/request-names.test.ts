import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import { formatFieldErrors } from '../../../src/api/field-errors.js';
import type { NamedResourceReference } from '../../../src/api/types.js';

const I = 'FieldValueInvalid';

const resources: NamedResourceReference[] = [
  { name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-auth' } },
  { name: 'dotted', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: '..' } },
];

/** A config whose source (and its secret) is changed by `mutate`. */
function config(
  mutate: (template: { metadata: Record<string, unknown>; spec: Record<string, unknown> }) => void,
) {
  const template = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: {} as Record<string, unknown>,
    spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' } } as Record<string, unknown>,
  };
  mutate(template);
  const name = template.metadata.name;
  const namespace = template.metadata.namespace;
  return {
    source: { template, secretResourceName: 'git' },
    kustomization: {
      template: {
        spec: {
          path: './',
          sourceRef: {
            ...(typeof name === 'string' ? { name } : {}),
            ...(typeof namespace === 'string' ? { namespace } : {}),
          },
        },
      },
    },
  };
}

const findings = (raw: unknown) =>
  evaluateFluxConfig(raw, { shootResources: resources }).errors.map((e) => [e.type, e.field]);

// Every one of these names ends up as a segment of a request path (`.../secrets/<name>`); `..`
// once made the Secret apply a PATCH on the Namespace URL, `.` one on the secrets collection.
const pathLikeNames = ['..', '.', 'a/b', '%2e%2e', 'Bad_Name', '', ' ', 'a'.repeat(254)];

describe('names that become request paths', () => {
  it.each(pathLikeNames.filter((n) => n !== ''))('source.template.spec.secretRef.name %j', (name) => {
    expect(findings(config((t) => (t.spec.secretRef = { name })))).toEqual([
      [I, 'source.template.spec.secretRef.name'],
    ]);
  });

  it.each(pathLikeNames)('source.template.metadata.name %j', (name) => {
    const errors = findings(config((t) => (t.metadata.name = name)));
    // An empty name is defaulted to flux-system.
    expect(errors).toEqual(name === '' ? [] : [[I, 'source.template.metadata.name']]);
  });

  it.each(pathLikeNames.filter((n) => n !== ''))('source.template.metadata.namespace %j', (namespace) => {
    expect(findings(config((t) => (t.metadata.namespace = namespace)))).toEqual([
      [I, 'source.template.metadata.namespace'],
    ]);
  });

  it.each(pathLikeNames.filter((n) => n !== ''))('kustomization metadata name and namespace %j', (value) => {
    expect(
      findings({
        source: { template: config(() => undefined).source.template },
        kustomization: { template: { metadata: { name: value, namespace: 'x' }, spec: { path: './' } } },
      }),
    ).toEqual([[I, 'kustomization.template.metadata.name']]);
    expect(
      findings({
        source: { template: config(() => undefined).source.template },
        kustomization: { template: { metadata: { namespace: value }, spec: { path: './' } } },
      }),
    ).toEqual([[I, 'kustomization.template.metadata.namespace']]);
  });

  it.each(pathLikeNames.filter((n) => n !== ''))(
    'additionalSecretResources[].targetName %j',
    (targetName) => {
      expect(findings({ additionalSecretResources: [{ name: 'git', targetName }] })).toEqual([
        [I, 'additionalSecretResources[0].targetName'],
      ]);
    },
  );

  it.each(['..', 'Flux_System', '.'])('flux.namespace %j', (namespace) => {
    expect(findings({ flux: { namespace } })).toEqual([[I, 'flux.namespace']]);
  });

  it('refuses a referenced secret whose own name could not be a path segment', () => {
    // Without targetName the referenced secret's name is the shoot secret's name.
    expect(findings({ additionalSecretResources: [{ name: 'dotted' }] })).toEqual([
      [I, 'additionalSecretResources[0].name'],
    ]);
    const viaSource = config(() => undefined);
    viaSource.source.secretResourceName = 'dotted';
    expect(findings(viaSource)).toEqual([[I, 'source.secretResourceName']]);
  });

  it('uses the Kubernetes message for an object name', () => {
    const { errors } = evaluateFluxConfig(config((t) => (t.spec.secretRef = { name: 'Bad_Name' })));
    expect(formatFieldErrors(errors)).toBe(
      'source.template.spec.secretRef.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain ' +
        "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an " +
        "alphanumeric character (e.g. 'example.com', regex used for validation is " +
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  });
});
