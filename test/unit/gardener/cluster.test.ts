import { describe, expect, it } from 'vitest';
import {
  decodeCluster,
  isHibernatingOrWakingUp,
  isHibernationEnabled,
  isShootFailed,
  isShootForceDeletion,
} from '../../../src/gardener/cluster.js';
import type { Shoot } from '../../../src/gardener/types.js';

const shoot = (
  spec: Shoot['spec'],
  status: Shoot['status'],
  annotations?: Record<string, string>,
): Shoot => ({
  metadata: { name: 's', ...(annotations ? { annotations } : {}) },
  spec,
  status,
});

describe('decodeCluster', () => {
  it('decodes the shoot and keeps seed and cloud profile raw', () => {
    const result = decodeCluster({
      metadata: { name: 'shoot--p--s' },
      spec: {
        shoot: { metadata: { name: 's' } },
        seed: { metadata: { name: 'seed' } },
        cloudProfile: { kind: 'CloudProfile' },
      },
    });
    expect('cluster' in result && result.cluster.shoot.metadata.name).toBe('s');
    expect('cluster' in result && result.cluster.seed).toEqual({ metadata: { name: 'seed' } });
  });

  it.each([
    [{}, 'cluster c: spec.shoot is missing'],
    [{ shoot: null }, 'cluster c: spec.shoot is missing'],
    [{ shoot: 'text' }, 'cluster c: spec.shoot is not an object'],
    [{ shoot: { metadata: {} } }, 'cluster c: spec.shoot.metadata.name is missing'],
    [{ shoot: { metadata: { name: 's' }, status: 5 } }, 'cluster c: spec.shoot.status is not an object'],
    [
      { shoot: { metadata: { name: 's' }, status: { technicalID: { id: 1 } } } },
      'cluster c: spec.shoot.status.technicalID must be a string',
    ],
    [
      { shoot: { metadata: { name: 's' }, status: { clusterIdentity: ['a'] } } },
      'cluster c: spec.shoot.status.clusterIdentity must be a string',
    ],
  ])('returns an error value for %j', (spec, error) => {
    expect(decodeCluster({ metadata: { name: 'c' }, spec })).toEqual({ error });
  });

  it.each([
    [
      { technicalID: 12345, clusterIdentity: true },
      { technicalID: '12345', clusterIdentity: 'true' },
    ],
    [
      { technicalID: 'shoot--p--s', clusterIdentity: 'id' },
      { technicalID: 'shoot--p--s', clusterIdentity: 'id' },
    ],
    [{ technicalID: null, isHibernated: true }, { isHibernated: true }],
  ])('publishes identity fields of %j as text: %j', (status, expected) => {
    const result = decodeCluster({
      metadata: { name: 'c' },
      spec: { shoot: { metadata: { name: 's' }, status } },
    });
    expect('cluster' in result && result.cluster.shoot.status).toEqual(expected);
    // The raw object stays as read.
    expect('cluster' in result && result.cluster.object.spec?.shoot).toEqual({
      metadata: { name: 's' },
      status,
    });
  });
});

describe('shoot helpers', () => {
  it('hibernation', () => {
    expect(isHibernationEnabled(shoot({ hibernation: { enabled: true } }, {}))).toBe(true);
    expect(isHibernatingOrWakingUp(shoot({ hibernation: { enabled: true } }, { isHibernated: false }))).toBe(
      true,
    );
    expect(isHibernatingOrWakingUp(shoot({ hibernation: { enabled: false } }, { isHibernated: true }))).toBe(
      true,
    );
    expect(isHibernatingOrWakingUp(shoot({ hibernation: { enabled: true } }, { isHibernated: true }))).toBe(
      false,
    );
    expect(isHibernatingOrWakingUp(shoot({}, {}))).toBe(false);
  });
  it('failed and force deletion', () => {
    expect(isShootFailed(shoot({}, { lastOperation: { state: 'Failed' } }))).toBe(true);
    expect(isShootFailed(shoot({}, { lastOperation: { state: 'Error' } }))).toBe(false);
    expect(isShootForceDeletion(shoot({}, {}, { 'confirmation.gardener.cloud/force-deletion': 'T' }))).toBe(
      true,
    );
    expect(isShootForceDeletion(shoot({}, {}, { 'confirmation.gardener.cloud/force-deletion': 'no' }))).toBe(
      false,
    );
  });
});
