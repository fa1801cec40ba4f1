import { describe, expect, it } from 'vitest';
import {
  buildSecretOwner,
  buildSecretOwnershipPatch,
  buildStatePatch,
  readBootstrapState,
  readSecretOwnership,
} from '../../../../src/controller/shoot-flux/state.js';
import type { Extension } from '../../../../src/gardener/types.js';

const extension = (state?: unknown, uid = '3f2c-uid'): Extension => ({
  metadata: { name: 'shoot-flux', namespace: 'shoot--p--s', uid },
  spec: { type: 'shoot-flux' },
  ...(state !== undefined ? { status: { state } } : {}),
});

describe('secret ownership in status.state', () => {
  it('marks secrets with the Extension identity when nothing is recorded yet', () => {
    expect(readSecretOwnership(extension())).toEqual({
      owner: 'shoot--p--s/shoot-flux/3f2c-uid',
      synced: [],
    });
    expect(buildSecretOwner(extension(undefined, ''))).toBe('shoot--p--s/shoot-flux');
  });

  it('keeps the recorded owner, so a migrated Extension (new uid) still owns its secrets', () => {
    const recorded = {
      secrets: {
        owner: 'shoot--p--s/shoot-flux/old-uid',
        synced: [{ namespace: 'flux-system', name: 'git' }],
      },
    };
    expect(readSecretOwnership(extension(recorded, 'new-uid'))).toEqual(recorded.secrets);
  });

  it.each([
    ['not a list', { secrets: { synced: 'flux-system/git' } }],
    ['entries of the wrong shape', { secrets: { synced: [null, 5, { namespace: 'a' }, { name: 'b' }] } }],
    [
      'names that could not be ours',
      {
        secrets: {
          synced: [
            { namespace: 'kube..', name: 'x' },
            { namespace: 'a', name: '..' },
          ],
        },
      },
    ],
    ['state of another shape', 'text'],
  ])('reads no secret from %s', (_name, state) => {
    expect(readSecretOwnership(extension(state)).synced).toEqual([]);
  });

  it('sorts and deduplicates what it records', () => {
    const patch = buildSecretOwnershipPatch({
      owner: 'o',
      synced: [
        { namespace: 'flux-system', name: 'b' },
        { namespace: 'apps', name: 'z' },
        { namespace: 'flux-system', name: 'b' },
      ],
    });
    expect(patch).toEqual({
      secrets: {
        owner: 'o',
        synced: [
          { namespace: 'apps', name: 'z' },
          { namespace: 'flux-system', name: 'b' },
        ],
      },
    });
  });

  it('lives beside the bootstrap state: neither patch touches the other', () => {
    const state = { flux: { bootstrapped: true }, secrets: { owner: 'o', synced: [] } };
    expect(Object.keys(buildSecretOwnershipPatch(readSecretOwnership(extension(state))))).toEqual([
      'secrets',
    ]);
    expect(Object.keys(buildStatePatch(readBootstrapState(extension(state))))).toEqual(['flux']);
  });
});
