import { describe, expect, it } from 'vitest';
import { CachedExtensionStore, type ExtensionCache } from '../../../src/controller/cached-extension-store.js';
import { ExtensionClient } from '../../../src/controller/extension-client.js';
import type { ClusterObject, Extension } from '../../../src/gardener/types.js';
import { clusterKubeConfig } from '../support/clusters.js';
import { publicGitConfig, useTestShoots } from './shoot-flux-support.js';

// The reconciler's reads through the informers' cache, against a real seed: the cache here is a
// copy the test holds (no informer), so the test decides how stale it is.
const extensionType = 'shoot-flux-cached-store';

describe('reads of the reconciler from the informer cache', () => {
  const shoots = useTestShoots();
  const seed = clusterKubeConfig('seed');

  /** A client counting its GETs, a store over it and a cache the test sets. */
  const setup = () => {
    let gets = 0;
    const client = new ExtensionClient(seed, (verb) => {
      if (verb === 'get') gets += 1;
    });
    const cached: { extension?: Extension; cluster?: ClusterObject } = {};
    const cache: ExtensionCache = {
      synced: () => true,
      extension: () => cached.extension,
      cluster: () => cached.cluster,
      watchesClusters: true,
    };
    return { client, cached, store: new CachedExtensionStore(client, cache), gets: () => gets };
  };

  it('serves a cached copy without a GET, and never one older than its own last write', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    await gardenlet.createExtension(publicGitConfig(gardenlet.fluxNamespace));
    const { client, cached, store, gets } = setup();
    const { namespace } = gardenlet;
    cached.extension = await gardenlet.extension();

    const first = await store.readExtension(namespace, 'shoot-flux');
    expect(first).toEqual(cached.extension);
    // A copy: what the reconcile changes never reaches the cache.
    expect(first).not.toBe(cached.extension);
    expect(gets()).toBe(0);

    const written = await client.patchExtensionStatus(cached.extension, {
      lastOperation: {
        type: 'Reconcile',
        state: 'Processing',
        description: 'cache test',
        lastUpdateTime: new Date().toISOString(),
        progress: 50,
      },
    });
    // The cache has not seen the write yet: the store reads the server.
    const afterWrite = await store.readExtension(namespace, 'shoot-flux');
    expect(afterWrite?.metadata.resourceVersion).toBe(written.metadata.resourceVersion);
    expect(gets()).toBe(1);

    // Once the cache holds the write, it serves again, and the write's record is gone.
    cached.extension = written;
    expect((await store.readExtension(namespace, 'shoot-flux'))?.metadata.resourceVersion).toBe(
      written.metadata.resourceVersion,
    );
    expect(gets()).toBe(1);
    expect(client.unseenWrites).toBe(0);
  });

  it('reads the server for what the cache does not hold, and serves cached Clusters', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    await gardenlet.createExtension(publicGitConfig(gardenlet.fluxNamespace));
    const { cached, store, gets } = setup();
    const { namespace } = gardenlet;

    expect((await store.readExtension(namespace, 'shoot-flux'))?.metadata.namespace).toBe(namespace);
    const cluster = await store.readCluster(namespace);
    expect(cluster?.metadata.name).toBe(namespace);
    expect(gets()).toBe(2);

    cached.cluster = cluster;
    expect(await store.readCluster(namespace)).toEqual(cluster);
    expect(gets()).toBe(2);
  });
});
