import type { ClusterObject, Extension } from '../gardener/types.js';
import type { ExtensionClient, MetadataPatch } from './extension-client.js';
import type { ExtensionStore } from './reconciler.js';

/** The informers' view of the seed that a reconcile may read instead of the API server. */
export interface ExtensionCache {
  /** Whether the informers listed everything once (before that, the cache may miss objects). */
  synced(): boolean;
  extension(namespace: string, name: string): Extension | undefined;
  /** The cached Cluster, or undefined when not cached or when Clusters are not watched. */
  cluster(name: string): ClusterObject | undefined;
  /** Whether Clusters are watched at all (`--ignore-operation-annotation`). */
  readonly watchesClusters: boolean;
}

/**
 * The reconciler's reads from the informer cache, as controller-runtime's cached client serves
 * them: a resync of N unchanged shoots then costs no seed GET for their Extensions (nor for
 * their Clusters, where those are watched) within the seed client's rate limit. Level-based:
 * each reconcile starts from the newest copy the informer holds, and an event that changes an
 * object enqueues it after the cache holds the change.
 *
 * The controller's own writes are never missed: a cached Extension older than the last write of
 * the ExtensionClient is read from the API server instead. A copy is handed out, never the cached
 * object, so a reconcile cannot change the cache.
 */
export class CachedExtensionStore implements ExtensionStore {
  constructor(
    private readonly client: ExtensionClient,
    private readonly cache: ExtensionCache,
  ) {}

  /** The Extension from the cache when it includes the controller's own writes, else from the server. */
  async readExtension(namespace: string, name: string, signal?: AbortSignal): Promise<Extension | undefined> {
    if (this.cache.synced()) {
      const cached = this.cache.extension(namespace, name);
      if (cached && this.client.includesOwnWrites(namespace, name, cached)) return structuredClone(cached);
    }
    const read = await this.client.readExtension(namespace, name, signal);
    if (!read) this.client.forgetWrites(namespace, name);
    else this.client.includesOwnWrites(namespace, name, read);
    return read;
  }

  /** The Cluster from the cache where Clusters are watched and it is cached, else from the server. */
  async readCluster(name: string, signal?: AbortSignal): Promise<ClusterObject | undefined> {
    if (this.cache.watchesClusters && this.cache.synced()) {
      const cached = this.cache.cluster(name);
      if (cached) return structuredClone(cached);
    }
    return this.client.readCluster(name, signal);
  }

  /** Patches through the client, which records the write for later cached reads. */
  patchExtensionMetadata(
    extension: Parameters<ExtensionClient['patchExtensionMetadata']>[0],
    patch: MetadataPatch,
    options?: Parameters<ExtensionClient['patchExtensionMetadata']>[2],
  ): Promise<Extension> {
    return this.client.patchExtensionMetadata(extension, patch, options);
  }
}
