import { describe, expect, it } from 'vitest';
import { buildInterimCrd, findStaleStoredVersions } from '../../../src/kube/crd-storage-migration.js';

const crd = (
  versions: { name: string; storage: boolean; served?: boolean }[],
  storedVersions?: string[],
) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ocirepositories.source.toolkit.fluxcd.io' },
  spec: {
    group: 'source.toolkit.fluxcd.io',
    versions: versions.map((v) => ({ served: true, schema: { v: v.name }, ...v })),
  },
  ...(storedVersions ? { status: { storedVersions } } : {}),
});

describe('findStaleStoredVersions', () => {
  it.each([
    ['a version the new CRD drops', ['v1beta2'], [{ name: 'v1', storage: true }], ['v1beta2']],
    [
      'a version still served but no longer stored',
      ['v1beta2', 'v1'],
      [
        { name: 'v1', storage: true },
        { name: 'v1beta2', storage: false },
      ],
      ['v1beta2'],
    ],
    ['only the new storage version', ['v1'], [{ name: 'v1', storage: true }], []],
    ['no status yet', undefined, [{ name: 'v1', storage: true }], []],
  ])('%s', (_name, stored, nextVersions, stale) => {
    const live = crd([{ name: 'v1beta2', storage: true }], stored);
    expect(findStaleStoredVersions(live, crd(nextVersions))).toEqual(stale);
  });
});

describe('buildInterimCrd', () => {
  it('serves the stale versions from the live definition beside the new storage version', () => {
    const live = crd([{ name: 'v1beta2', storage: true }], ['v1beta2']);
    const interim = buildInterimCrd(live, crd([{ name: 'v1', storage: true }]), ['v1beta2']);
    expect((interim.spec as { versions: unknown[] }).versions).toEqual([
      { name: 'v1', storage: true, served: true, schema: { v: 'v1' } },
      { name: 'v1beta2', storage: false, served: true, schema: { v: 'v1beta2' } },
    ]);
  });

  it('serves a stale version the new definition lists as unserved', () => {
    const live = crd([{ name: 'v1beta2', storage: true }], ['v1beta2']);
    const next = crd([
      { name: 'v1', storage: true },
      { name: 'v1beta2', storage: false, served: false },
    ]);
    const versions = (buildInterimCrd(live, next, ['v1beta2']).spec as { versions: { served: boolean }[] })
      .versions;
    expect(versions.map((v) => v.served)).toEqual([true, true]);
  });
});
