import { describe, expect, it } from 'vitest';
import type { SyncMode } from '../../../../src/api/constants.js';
import {
  findDriftedObjects,
  isDriftEvent,
  markWatchedObject,
  type WatchedObjectMark,
  type WatchedPart,
} from '../../../../src/controller/shoot-flux/watch-drift.js';

const ours = (generation: number): WatchedObjectMark => ({ generation, ours: true });
const theirs = (generation: number): WatchedObjectMark => ({ generation, ours: false });

describe('isDriftEvent', () => {
  it.each<
    [string, SyncMode, WatchedPart, WatchedObjectMark | undefined, WatchedObjectMark | undefined, boolean]
  >([
    ['Full: our Deployment deleted', 'Full', 'installation', ours(3), undefined, true],
    ['Full: our Deployment spec changed', 'Full', 'installation', ours(3), ours(4), true],
    ['Full: a status-only update', 'Full', 'installation', ours(3), ours(3), false],
    ['Full: a new Deployment', 'Full', 'installation', undefined, ours(1), false],
    ['Full: a user Deployment deleted', 'Full', 'installation', theirs(2), undefined, false],
    ['Full: a user Deployment changed', 'Full', 'installation', theirs(2), theirs(3), false],
    ['Full: spec changed, our fields all taken over', 'Full', 'installation', ours(3), theirs(4), true],
    ['Full: the source deleted', 'Full', 'manifests', ours(1), undefined, true],
    ['Full: the Kustomization spec changed', 'Full', 'manifests', ours(1), ours(2), true],
    ['ManifestsOnly: the source spec changed', 'ManifestsOnly', 'manifests', ours(1), ours(2), true],
    ['ManifestsOnly: the Kustomization deleted', 'ManifestsOnly', 'manifests', ours(1), undefined, true],
    ['ManifestsOnly: a status-only update', 'ManifestsOnly', 'manifests', ours(2), ours(2), false],
    ['ManifestsOnly: our Deployment deleted', 'ManifestsOnly', 'installation', ours(3), undefined, false],
    ['ManifestsOnly: our Deployment changed', 'ManifestsOnly', 'installation', ours(3), ours(4), false],
    ['Once: the source deleted', 'Once', 'manifests', ours(1), undefined, false],
    ['Once: our Deployment changed', 'Once', 'installation', ours(3), ours(4), false],
  ])('%s', (_name, syncMode, part, before, after, drift) => {
    expect(isDriftEvent(syncMode, { part, before, after })).toBe(drift);
  });

  it('does not take two unknown generations for a change', () => {
    const unknown = { generation: undefined, ours: true };
    expect(isDriftEvent('Full', { part: 'manifests', before: unknown, after: unknown })).toBe(false);
  });
});

describe('markWatchedObject', () => {
  it.each<[string, unknown, WatchedObjectMark]>([
    [
      'applied by us among others',
      {
        metadata: {
          generation: 2,
          managedFields: [
            { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status' },
            { manager: 'gardener-extension-shoot-flux', operation: 'Apply' },
          ],
        },
      },
      { generation: 2, ours: true },
    ],
    [
      'someone else only',
      { metadata: { generation: 1, managedFields: [{ manager: 'kubectl-client-side-apply' }] } },
      { generation: 1, ours: false },
    ],
    ['no metadata', {}, { generation: undefined, ours: false }],
    ['not an object', 'x', { generation: undefined, ours: false }],
    [
      'malformed fields',
      { metadata: { generation: '2', managedFields: 'x' } },
      { generation: undefined, ours: false },
    ],
  ])('%s', (_name, object, mark) => {
    expect(markWatchedObject(object)).toEqual(mark);
  });
});

describe('findDriftedObjects', () => {
  const look = (
    deployments: Record<string, WatchedObjectMark>,
    source: Record<string, WatchedObjectMark>,
  ) => [
    { part: 'installation' as const, kind: 'Deployment', objects: new Map(Object.entries(deployments)) },
    { part: 'manifests' as const, kind: 'GitRepository', objects: new Map(Object.entries(source)) },
  ];

  it('names every deleted or changed object of ours, in the collections order', () => {
    const before = look(
      {
        'flux-system/helm-controller': ours(1),
        'flux-system/source-controller': ours(1),
        'flux-system/app': theirs(1),
      },
      { 'flux-system/flux-system': ours(1) },
    );
    const after = look({ 'flux-system/source-controller': ours(2) }, { 'flux-system/flux-system': ours(2) });
    expect(findDriftedObjects('Full', before, after)).toEqual([
      'Deployment flux-system/helm-controller',
      'Deployment flux-system/source-controller',
      'GitRepository flux-system/flux-system',
    ]);
    expect(findDriftedObjects('ManifestsOnly', before, after)).toEqual([
      'GitRepository flux-system/flux-system',
    ]);
  });

  it('finds nothing on the first look, and nothing when only status changed', () => {
    const steady = look({ 'flux-system/source-controller': ours(1) }, { 'flux-system/flux-system': ours(1) });
    expect(findDriftedObjects('Full', undefined, steady)).toEqual([]);
    expect(findDriftedObjects('Full', steady, steady)).toEqual([]);
  });
});
