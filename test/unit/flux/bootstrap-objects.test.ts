import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import type { FluxConfig, NamedResourceReference } from '../../../src/api/types.js';
import { buildBootstrapObjects } from '../../../src/flux/bootstrap-objects.js';

const resources: NamedResourceReference[] = [
  {
    name: 'registry-credentials',
    resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'registry-secret' },
  },
  { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
];

function config(raw: unknown): FluxConfig {
  const result = evaluateFluxConfig(raw, { shootResources: resources });
  if (!result.config) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const managedBy = { 'app.kubernetes.io/managed-by': 'gardener-extension-shoot-flux' };

describe('buildBootstrapObjects', () => {
  it('writes nothing for Flux alone', () => {
    expect(buildBootstrapObjects(config({}), resources)).toEqual([]);
  });

  it('writes namespaces, source, secrets and Kustomization in apply order, fully defaulted', () => {
    const objects = buildBootstrapObjects(
      config({
        source: {
          secretResourceName: 'registry-credentials',
          template: {
            apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
            kind: 'OCIRepository',
            metadata: { namespace: 'apps' },
            spec: { url: 'oci://registry.example.com/manifests', ref: { tag: 'v1' } },
          },
        },
        kustomization: { template: { metadata: { namespace: 'deploy' }, spec: { path: './' } } },
        additionalSecretResources: [{ name: 'extra' }],
      }),
      resources,
    );
    expect(objects).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'deploy' } },
      {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        metadata: { name: 'flux-system', namespace: 'apps' },
        spec: {
          url: 'oci://registry.example.com/manifests',
          ref: { tag: 'v1' },
          interval: '1m',
          secretRef: { name: 'flux-system' },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'flux-system', namespace: 'apps', labels: managedBy },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'extra-secret', namespace: 'flux-system', labels: managedBy },
      },
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'flux-system', namespace: 'deploy' },
        spec: {
          path: './',
          interval: '1m',
          prune: false,
          sourceRef: { kind: 'OCIRepository', name: 'flux-system', namespace: 'apps' },
        },
      },
    ]);
  });

  it('needs no namespace when everything lives in the Flux namespace, and names one only once', () => {
    const sameAsFlux = config({
      flux: { namespace: 'gotk' },
      source: { template: { spec: { url: 'https://example.com/repo', ref: { branch: 'main' } } } },
      kustomization: { template: { spec: { path: '.' } } },
    });
    expect(buildBootstrapObjects(sameAsFlux).map((o) => o.kind)).toEqual(['GitRepository', 'Kustomization']);
    const shared = config({
      source: {
        template: {
          metadata: { namespace: 'apps' },
          spec: { url: 'https://example.com/repo', ref: { branch: 'main' } },
        },
      },
      kustomization: { template: { metadata: { namespace: 'apps' }, spec: { path: '.' } } },
    });
    expect(buildBootstrapObjects(shared).filter((o) => o.kind === 'Namespace')).toHaveLength(1);
  });

  it('leaves out additional secrets whose name needs the Shoot when it is not known', () => {
    const cfg = config({
      additionalSecretResources: [{ name: 'extra' }, { name: 'extra', targetName: 'named' }],
    });
    expect(buildBootstrapObjects(cfg).map((o) => o.metadata.name)).toEqual(['named']);
  });

  it('does not share objects with the config', () => {
    const cfg = config({
      source: { template: { spec: { url: 'https://example.com/repo', ref: { branch: 'main' } } } },
      kustomization: { template: { spec: { path: '.' } } },
    });
    const [source] = buildBootstrapObjects(cfg);
    expect(source).not.toBe(cfg.source?.template);
  });
});

describe('buildBootstrapObjects key order', () => {
  it('writes apiVersion, kind, metadata and spec first, as Kubernetes prints objects', () => {
    const cfg = config({
      source: {
        template: {
          spec: { url: 'https://example.com/repo', ref: { branch: 'main' } },
          metadata: { name: 'x' },
        },
      },
      kustomization: { template: { spec: { path: '.', sourceRef: { name: 'x' } } } },
    });
    for (const object of buildBootstrapObjects(cfg)) {
      expect(Object.keys(object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    }
  });
});
