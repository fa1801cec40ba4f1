import { describe, expect, it } from 'vitest';
import { HealthShootAccess } from '../../../../src/controller/shoot-flux/health-shoot-access.js';
import type { ClusterAccess } from '../../../../src/controller/shoot-flux/secret-sync.js';

/** A resolver that hands out a new (distinct) access object per call and counts the calls. */
function countingResolver() {
  const calls: string[] = [];
  const resolve = (namespace: string) => {
    calls.push(namespace);
    return Promise.resolve({ id: calls.length } as unknown as ClusterAccess);
  };
  return { calls, resolve };
}

describe('HealthShootAccess', () => {
  it('keeps a shoot client for its max age, per namespace, then resolves it again', async () => {
    let now = 0;
    const { calls, resolve } = countingResolver();
    const access = new HealthShootAccess(resolve, 300_000, () => now);
    const first = await access.get('shoot--a');
    now = 299_999;
    expect(await access.get('shoot--a')).toBe(first);
    await access.get('shoot--b');
    expect(calls).toEqual(['shoot--a', 'shoot--b']);
    now = 300_000;
    expect(await access.get('shoot--a')).not.toBe(first);
    expect(calls).toEqual(['shoot--a', 'shoot--b', 'shoot--a']);
  });

  it('resolves a dropped namespace afresh, leaving the others kept', async () => {
    const { calls, resolve } = countingResolver();
    const access = new HealthShootAccess(resolve, 300_000, () => 0);
    const a = await access.get('shoot--a');
    const b = await access.get('shoot--b');
    access.drop('shoot--a');
    expect(await access.get('shoot--a')).not.toBe(a);
    expect(await access.get('shoot--b')).toBe(b);
    expect(calls).toEqual(['shoot--a', 'shoot--b', 'shoot--a']);
  });

  it('keeps nothing when resolving fails', async () => {
    let fail = true;
    const calls: string[] = [];
    const access = new HealthShootAccess(
      (namespace) => {
        calls.push(namespace);
        return fail
          ? Promise.reject(new Error('secret gardener not found'))
          : Promise.resolve({} as ClusterAccess);
      },
      300_000,
      () => 0,
    );
    await expect(access.get('shoot--a')).rejects.toThrow('secret gardener not found');
    fail = false;
    await access.get('shoot--a');
    expect(calls).toEqual(['shoot--a', 'shoot--a']);
  });
});
