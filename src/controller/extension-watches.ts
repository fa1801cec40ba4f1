import type { KubeConnection } from '../kube/kube-connection.js';
import {
  clustersPlural,
  extensionsGroup,
  extensionsPlural,
  extensionsVersion,
} from '../gardener/constants.js';
import {
  evaluateCreatePredicate,
  evaluateGenerationChanged,
  evaluateUpdatePredicate,
} from '../gardener/operation.js';
import type { ClusterObject, Extension } from '../gardener/types.js';
import type { RequestTimeouts } from '../kube/http-transport.js';
import { ResilientInformer, type InformedObject, type InformerOptions } from '../kube/informer.js';
import type { KubeRequestObserver } from '../kube/kubeconfig.js';
import type { Logger } from '../log/logger.js';
import type { ExtensionClient } from './extension-client.js';
import { buildExtensionKey } from './reconciler.js';

/**
 * Timeouts of the informers' watches on the seed: a watch whose connection or response headers
 * hang is restarted instead of leaving the cache silently stale.
 */
const informerTimeouts: RequestTimeouts = { connectMs: 10_000, requestMs: 30_000 };

/** What the watches need from the manager. */
export interface ExtensionWatchesOptions {
  readonly kubeConfig: KubeConnection;
  readonly client: ExtensionClient;
  readonly logger: Logger;
  readonly observer: KubeRequestObserver;
  /** Informer restart backoff bounds. */
  readonly backoffMs: readonly [number, number];
  /** `--ignore-operation-annotation`: also watch Clusters, enqueue on every generation change. */
  readonly ignoreOperationAnnotation: boolean;
  /** Predicates `HasType` and `HasClass`. */
  readonly matches: (extension: Extension) => boolean;
  /** Events count only while this replica leads. */
  readonly isLeading: () => boolean;
  readonly enqueue: (key: string) => void;
}

/**
 * The manager's event sources: an informer on Extensions (and on Clusters with
 * `--ignore-operation-annotation`) whose events pass Gardener's predicates into the queue.
 */
export class ExtensionWatches {
  private readonly extensionInformer: ResilientInformer<Extension>;
  private readonly clusterInformer: ResilientInformer<ClusterObject> | undefined;

  constructor(private readonly options: ExtensionWatchesOptions) {
    const { client, matches, isLeading, enqueue } = options;
    this.extensionInformer = this.seedInformer<Extension>(
      `/apis/${extensionsGroup}/${extensionsVersion}/${extensionsPlural}`,
      () => client.listExtensions(),
      {
        add: (extension) => {
          if (isLeading() && matches(extension) && this.wantsCreated(extension)) {
            enqueue(buildExtensionKey(extension.metadata));
          }
        },
        update: (oldExtension, newExtension) => {
          if (!isLeading() || !matches(newExtension)) return;
          const wanted = options.ignoreOperationAnnotation
            ? evaluateGenerationChanged(oldExtension, newExtension)
            : evaluateUpdatePredicate(oldExtension, newExtension);
          if (wanted) enqueue(buildExtensionKey(newExtension.metadata));
        },
        delete: (extension) => {
          // A deleted Extension's last write (its finalizer's removal) is never read again.
          client.forgetWrites(extension.metadata.namespace ?? '', extension.metadata.name);
        },
      },
    );
    if (options.ignoreOperationAnnotation) {
      const enqueueExtensionsOf = (cluster: ClusterObject) => {
        if (!isLeading()) return;
        for (const extension of this.extensionInformer.list()) {
          if (extension.metadata.namespace === cluster.metadata.name && matches(extension)) {
            enqueue(buildExtensionKey(extension.metadata));
          }
        }
      };
      this.clusterInformer = this.seedInformer<ClusterObject>(
        `/apis/${extensionsGroup}/${extensionsVersion}/${clustersPlural}`,
        () => client.listClusters(),
        {
          add: enqueueExtensionsOf,
          update: (oldCluster, newCluster) => {
            if (evaluateGenerationChanged(oldCluster, newCluster)) enqueueExtensionsOf(newCluster);
          },
        },
      );
    }
  }

  /** An informer on a seed collection with the manager's connection, backoff, timeouts and observer. */
  private seedInformer<T extends InformedObject>(
    path: string,
    list: InformerOptions<T>['list'],
    handlers: InformerOptions<T>['handlers'],
  ): ResilientInformer<T> {
    const { kubeConfig, logger, observer } = this.options;
    const [minBackoffMs, maxBackoffMs] = this.options.backoffMs;
    return new ResilientInformer<T>({
      kubeConfig,
      path,
      list,
      logger,
      minBackoffMs,
      maxBackoffMs,
      observer,
      timeouts: informerTimeouts,
      handlers,
    });
  }

  /** The create predicate (every Extension with `--ignore-operation-annotation`). */
  private wantsCreated(extension: Extension): boolean {
    return this.options.ignoreOperationAnnotation || evaluateCreatePredicate(extension);
  }

  /** The cached Extensions this manager serves (type and class). */
  list(): Extension[] {
    return this.extensionInformer.list().filter((e) => this.options.matches(e));
  }

  /**
   * Resolves once every informer listed once; rejects when `signal` aborts first. The first
   * lists' events are all queued by then, so each Extension is reconciled once for them, not
   * once per informer that lists it.
   */
  async waitForSync(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.extensionInformer.waitForSync(signal),
      this.clusterInformer?.waitForSync(signal),
    ]);
  }

  /** Whether every informer listed once (see CachedExtensionStore). */
  synced(): boolean {
    return this.unsynced() === undefined;
  }

  /** The cached Extension, if this manager serves it (type and class). */
  extension(namespace: string, name: string): Extension | undefined {
    const extension = this.extensionInformer.get(namespace, name);
    return extension && this.options.matches(extension) ? extension : undefined;
  }

  /** The cached Cluster; undefined when Clusters are not watched. */
  cluster(name: string): ClusterObject | undefined {
    return this.clusterInformer?.get('', name);
  }

  /** Why the caches are not synced yet, or undefined when they are. */
  unsynced(): string | undefined {
    if (!this.extensionInformer.hasSynced) return 'extension informer not synced';
    if (this.clusterInformer && !this.clusterInformer.hasSynced) return 'cluster informer not synced';
    return undefined;
  }

  /**
   * Enqueues every cached Extension that passes the create predicate: when this replica starts
   * leading, its cache is replayed so a follower's stale events do not cause reconciles.
   */
  replay(): void {
    for (const extension of this.list()) {
      if (this.wantsCreated(extension)) this.options.enqueue(buildExtensionKey(extension.metadata));
    }
  }

  /** Starts listing and watching. */
  start(): void {
    this.extensionInformer.start();
    this.clusterInformer?.start();
  }

  /** Stops the informers and their watches. */
  async stop(): Promise<void> {
    await Promise.all([this.extensionInformer.stop(), this.clusterInformer?.stop()]);
  }
}
