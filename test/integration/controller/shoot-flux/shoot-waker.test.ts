import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShootWaker } from '../../../../src/controller/shoot-flux/shoot-waker.js';
import { discardLogger } from '../../../../src/log/logger.js';
import { KubeRawClient } from '../../../../src/kube/raw-client.js';
import { clusterKubeConfig, createTestNamespace } from '../../support/clusters.js';

// The wake-up watches of the bootstrap, against a real API server: a change the key's own
// reconcile saw is delivered when it ends, and dropped when that reconcile finished the bootstrap.
describe('ShootWaker', () => {
  const seed = clusterKubeConfig('seed');
  const core = seed.makeApiClient(CoreV1Api);
  const client = new KubeRawClient(seed);
  let namespace: string;
  const wakers: ShootWaker[] = [];

  // One namespace per test, removed with everything in it when the test finished.
  beforeEach(async () => {
    namespace = await createTestNamespace(seed);
  });

  afterEach(() => {
    for (const waker of wakers.splice(0)) waker.stop();
  });

  /** A waker recording its wake-ups, with a watch `w` on the ConfigMaps of the test namespace. */
  const watchedWaker = (key: string) => {
    const woken: string[] = [];
    const changes: string[] = [];
    const waker = new ShootWaker((k) => woken.push(k), discardLogger);
    wakers.push(waker);
    waker.wakeOnChange(key, 'w', client, [{ path: `/api/v1/namespaces/${namespace}/configmaps` }], () =>
      changes.push(key),
    );
    return { waker, woken, changes };
  };

  /** Changes the watched collection until the watch saw it (its first list may come after a change). */
  const changeUntilSeen = async (changes: string[]) => {
    await expect
      .poll(async () => {
        await core.createNamespacedConfigMap({
          namespace,
          body: { metadata: { name: `c-${randomBytes(4).toString('hex')}` } },
        });
        return changes.length;
      })
      .toBeGreaterThan(0);
  };

  it('wakes the key at once when no reconcile of it runs', async () => {
    const { woken, changes } = watchedWaker('ns/a');
    await changeUntilSeen(changes);
    expect(woken).toEqual(['ns/a']);
  });

  it("holds a change seen during the key's reconcile and delivers it when the reconcile ends", async () => {
    const { waker, woken, changes } = watchedWaker('ns/b');
    waker.begin('ns/b');
    await changeUntilSeen(changes);
    expect(woken).toEqual([]);
    waker.end('ns/b');
    expect(woken).toEqual(['ns/b']);
  });

  it('drops the held wake-up when the reconcile finished the bootstrap, and closes its watches', async () => {
    const { waker, woken, changes } = watchedWaker('ns/c');
    waker.begin('ns/c');
    await changeUntilSeen(changes);
    waker.cancel('ns/c');
    waker.end('ns/c');
    expect(woken).toEqual([]);
    expect(waker.watchesOf('ns/c')).toEqual([]);
  });
});
