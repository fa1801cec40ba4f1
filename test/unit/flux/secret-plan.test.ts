import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import type { FluxConfig, NamedResourceReference } from '../../../src/api/types.js';
import { buildSecretPlan, buildSecretTargets } from '../../../src/flux/secret-plan.js';

const resources: NamedResourceReference[] = [
  { name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'my-git-secret' } },
  { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
  { name: 'other', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'other-secret' } },
];

function config(raw: unknown): FluxConfig {
  const result = evaluateFluxConfig(raw, { shootResources: resources });
  if (!result.config) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const source = (namespace?: string, secretRef?: string) => ({
  source: {
    secretResourceName: 'git-credentials',
    template: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      ...(namespace ? { metadata: { namespace } } : {}),
      spec: {
        url: 'ssh://git@example.com/repo',
        ref: { branch: 'main' },
        ...(secretRef ? { secretRef: { name: secretRef } } : {}),
      },
    },
  },
  kustomization: { template: { spec: { path: '.', ...(namespace ? { sourceRef: { namespace } } : {}) } } },
});

describe('buildSecretPlan', () => {
  it('syncs nothing without secrets', () => {
    expect(buildSecretPlan(config({}), resources)).toEqual([]);
  });

  it("puts the source's secret into the source's namespace under secretRef.name, where Flux looks for it", () => {
    expect(
      buildSecretPlan(config({ flux: { namespace: 'gotk' }, ...source('apps', 'git-auth') }), resources),
    ).toEqual([
      {
        seedSecretName: 'ref-my-git-secret',
        targetName: 'git-auth',
        targetNamespace: 'apps',
        purpose: 'source',
        resourceName: 'git-credentials',
      },
    ]);
  });

  it("names the source's secret flux-system by default", () => {
    expect(buildSecretPlan(config(source()), resources)[0]).toMatchObject({
      targetName: 'flux-system',
      targetNamespace: 'flux-system',
    });
  });

  it('puts additional secrets into the Flux namespace under targetName, else the referenced name', () => {
    const plan = buildSecretPlan(
      config({
        flux: { namespace: 'gotk' },
        additionalSecretResources: [{ name: 'extra' }, { name: 'other', targetName: 'renamed' }],
      }),
      resources,
    );
    expect(plan).toEqual([
      {
        seedSecretName: 'ref-extra-secret',
        targetName: 'extra-secret',
        targetNamespace: 'gotk',
        purpose: 'additional',
        resourceName: 'extra',
      },
      {
        seedSecretName: 'ref-other-secret',
        targetName: 'renamed',
        targetNamespace: 'gotk',
        purpose: 'additional',
        resourceName: 'other',
      },
    ]);
  });

  it('leaves out entries whose resource the Shoot does not have', () => {
    const cfg = config({ additionalSecretResources: [{ name: 'extra' }] });
    expect(buildSecretPlan(cfg, [])).toEqual([]);
  });
});

describe('buildSecretTargets', () => {
  it('knows the names that do not depend on the Shoot without its resources', () => {
    const cfg = evaluateFluxConfig({
      ...source(undefined, 'git-auth'),
      additionalSecretResources: [{ name: 'extra' }, { name: 'other', targetName: 'renamed' }],
    }).config;
    expect(cfg).toBeDefined();
    if (!cfg) return;
    expect(buildSecretTargets(cfg)).toEqual([
      {
        purpose: 'source',
        resourceName: 'git-credentials',
        targetName: 'git-auth',
        targetNamespace: 'flux-system',
      },
      { purpose: 'additional', resourceName: 'extra', targetNamespace: 'flux-system' },
      { purpose: 'additional', resourceName: 'other', targetName: 'renamed', targetNamespace: 'flux-system' },
    ]);
  });
});
