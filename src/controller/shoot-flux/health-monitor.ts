import type { KubeConnection } from '../../kube/kube-connection.js';
import { evaluateFluxConfig } from '../../api/evaluate.js';
import { followsManifests } from '../../api/sync-mode.js';
import { decodeNamedResourceReferences } from '../../api/shoot-resources.js';
import type { FluxConfig } from '../../api/types.js';
import { decodeCluster, isHibernatingOrWakingUp, isHibernationEnabled } from '../../gardener/cluster.js';
import {
  clustersPlural,
  extensionsGroup,
  extensionsVersion,
  operationAnnotation,
  operationAnnotationValues,
} from '../../gardener/constants.js';
import type { ClusterObject, Extension } from '../../gardener/types.js';
import { currentDate, systemClock, type Clock } from '../../kube/clock.js';
import { ResilientInformer } from '../../kube/informer.js';
import type { KubeRequestObserver } from '../../kube/kubeconfig.js';
import { buildResourcePath, encodePathSegment } from '../../kube/rest-mapper.js';
import { waitForCollections, type WatchedCollection } from '../../kube/watch.js';
import type { Logger } from '../../log/logger.js';
import { ShootHealthMetrics, type ControllerMetrics } from '../metrics.js';
import { buildExtensionKey } from '../reconciler.js';
import type { StatusWriter } from '../status-writer.js';
import { readShootFluxHealth } from './health-check.js';
import { HealthShootAccess } from './health-shoot-access.js';
import { buildHealthStatusUpdate } from './health-status.js';
import type { ClusterAccess } from './secret-sync.js';
import { isBootstrapped } from './state.js';
import {
  findDriftedObjects,
  markWatchedObject,
  type WatchedCollectionMarks,
  type WatchedPart,
} from './watch-drift.js';

/** The seed reads and writes the health monitor needs (src/kube/extension-client.ts implements them). */
export interface HealthSeedClient {
  readExtension(namespace: string, name: string, signal?: AbortSignal): Promise<Extension | undefined>;
  listClusters(): Promise<{ items: ClusterObject[]; metadata?: { resourceVersion?: string } }>;
}

/** Options of the {@link ShootFluxHealthMonitor}. */
export interface ShootFluxHealthMonitorOptions {
  seed: KubeConnection;
  client: HealthSeedClient;
  /** The Extensions this controller serves, from the manager's informer cache. */
  listExtensions: () => readonly Extension[];
  /** A client for the shoot of a seed namespace (the actuator's, so connections are shared). */
  accessShoot: (namespace: string) => Promise<ClusterAccess>;
  statusWriter: StatusWriter;
  metrics: ControllerMetrics;
  logger: Logger;
  /** How often every bootstrapped shoot is checked (`--health-check-sync-period`). */
  periodMs: number;
  /** Rewrite the check time at least this often when nothing changed. */
  heartbeatMs: number;
  /** How long a rollout may be Progressing before it turns False. */
  progressingThresholdMs: number;
  /** Also watch each shoot's Flux objects and Deployments and check on every change. */
  watch: boolean;
  /**
   * Called with the Extension's queue key when the watch sees what may be drift its syncMode
   * repairs (see isDriftEvent), so the reconcile repairs it now instead of at the next resync.
   */
  onDrift?: (key: string) => void;
  /** Checks running at the same time. */
  concurrency?: number;
  observer?: KubeRequestObserver;
  /** Time source (default the system clock). */
  clock?: Clock;
}

/** A collection the shoot watch lists and watches, with what its objects are. */
interface WatchedShootCollection {
  collection: WatchedCollection;
  part: WatchedPart;
  kind: string;
}

interface CheckTarget {
  key: string;
  extension: Extension;
}

/** The health period's own deadline: a shoot that does not answer fails its check, not the loop. */
function checkSignal(periodMs: number): AbortSignal {
  return AbortSignal.timeout(Math.max(periodMs, 5_000));
}

/**
 * Day-2 health of every bootstrapped shoot, beside the reconciler: on every period (and, with
 * `watch`, on every change of the shoot's Flux objects or Deployments) it reads the shoot, builds
 * `SystemComponentsHealthy`, `FluxSynced` and the `FluxStatus` providerStatus, writes them through
 * the status writer only when something changed or the heartbeat is due, and keeps the per-shoot
 * gauges. It reads Extensions from the manager's cache and Clusters from its own informer, so a
 * steady fleet costs the seed nothing but the heartbeat writes. Runs only on the leader.
 */
export class ShootFluxHealthMonitor {
  private readonly clusters: ResilientInformer<ClusterObject>;
  private readonly shootMetrics: ShootHealthMetrics;
  private readonly now: () => Date;
  private readonly shootAccess: HealthShootAccess;
  private readonly watches = new Map<string, { controller: AbortController; fingerprint: string }>();
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private round: Promise<void> | undefined;

  constructor(private readonly options: ShootFluxHealthMonitorOptions) {
    const clock = options.clock ?? systemClock;
    this.now = () => currentDate(clock);
    // Shoot clients are re-resolved (the access secret read from the seed) once per heartbeat
    // period instead of on every check, so a steady fleet costs the seed no reads per period.
    this.shootAccess = new HealthShootAccess(options.accessShoot, options.heartbeatMs, () =>
      this.now().getTime(),
    );
    this.shootMetrics = new ShootHealthMetrics(options.metrics);
    this.clusters = new ResilientInformer<ClusterObject>({
      kubeConfig: options.seed,
      path: `/apis/${extensionsGroup}/${extensionsVersion}/${clustersPlural}`,
      list: () => options.client.listClusters(),
      logger: options.logger.named('cluster-informer'),
      handlers: {},
      observer: options.observer,
    });
  }

  /** Starts the Cluster informer and the periodic checks (once this replica leads). */
  start(): void {
    this.clusters.start();
    const tick = () => {
      if (this.stopped) return;
      this.round ??= this.checkAll().finally(() => {
        this.round = undefined;
      });
      this.timer = setTimeout(tick, this.options.periodMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops checks and watches; waits for a running round. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const key of [...this.watches.keys()]) this.unwatch(key);
    await this.round;
    await this.clusters.stop();
  }

  /** Checks a shoot now, e.g. right after its bootstrap, instead of at the next period. */
  checkExtension(extension: Extension): void {
    if (this.stopped || this.timer === undefined || !isBootstrapped(extension)) return;
    void this.check({ key: buildExtensionKey(extension.metadata), extension });
  }

  /** Forgets a shoot (its Extension is deleted or migrated away): no more checks, no series. */
  forget(extension: Extension): void {
    this.unwatch(buildExtensionKey(extension.metadata));
    this.shootAccess.drop(extension.metadata.namespace ?? '');
    this.shootMetrics.forget(extension.metadata.namespace ?? '');
  }

  /** The bootstrapped, not deleted, not migrating Extensions, by key. */
  private targets(): CheckTarget[] {
    return this.options.listExtensions().flatMap((extension) => {
      const annotation = extension.metadata.annotations?.[operationAnnotation];
      const migrating =
        annotation === operationAnnotationValues.migrate ||
        extension.status?.lastOperation?.type === 'Migrate';
      if (extension.metadata.deletionTimestamp || migrating || !isBootstrapped(extension)) return [];
      return [{ key: buildExtensionKey(extension.metadata), extension }];
    });
  }

  /** One round over every target, a bounded number at a time; drops series of shoots gone since. */
  private async checkAll(): Promise<void> {
    const targets = this.targets();
    const keys = new Set(targets.map((t) => t.extension.metadata.namespace ?? ''));
    for (const namespace of this.shootMetrics.namespaces()) {
      if (!keys.has(namespace)) this.shootMetrics.forget(namespace);
    }
    const wanted = new Set(targets.map((t) => t.key));
    for (const key of [...this.watches.keys()]) if (!wanted.has(key)) this.unwatch(key);
    const queue = [...targets];
    const workers = Array.from({ length: this.options.concurrency ?? 10 }, async () => {
      for (let target = queue.shift(); target && !this.stopped; target = queue.shift()) {
        await this.check(target);
      }
    });
    await Promise.all(workers);
  }

  /** Checks one shoot now unless a check of it runs already (then once more after it). */
  private async check(target: CheckTarget): Promise<void> {
    if (this.running.has(target.key)) {
      this.pending.add(target.key);
      return;
    }
    this.running.add(target.key);
    try {
      await this.checkOnce(target);
    } finally {
      this.running.delete(target.key);
    }
    if (this.pending.delete(target.key) && !this.stopped) {
      const latest = this.targets().find((t) => t.key === target.key);
      if (latest) await this.check(latest);
    }
  }

  private async checkOnce({ key, extension }: CheckTarget): Promise<void> {
    const namespace = extension.metadata.namespace ?? '';
    const logger = this.options.logger.child({ extension: { namespace, name: extension.metadata.name } });
    const clusterObject = this.clusters.get('', namespace);
    const decoded = clusterObject ? decodeCluster(clusterObject) : undefined;
    if (!decoded || 'error' in decoded) {
      logger.debug('No usable Cluster for the health check yet');
      return;
    }
    const shoot = decoded.cluster.shoot;
    const config = this.evaluateConfig(extension, decoded.cluster.shoot.spec?.resources);
    if (!config) return;
    const signal = checkSignal(this.options.periodMs);
    try {
      const hibernated = isHibernationEnabled(shoot) || isHibernatingOrWakingUp(shoot);
      let observation: Awaited<ReturnType<typeof readShootFluxHealth>> | 'hibernated' = 'hibernated';
      if (hibernated) {
        this.unwatch(key);
        this.shootAccess.drop(namespace);
      } else {
        const access = await this.shootAccess.get(namespace);
        observation = await readShootFluxHealth(access, config, signal);
        if (this.options.watch) this.ensureWatch(key, access, config);
      }
      const update = buildHealthStatusUpdate(extension, config, observation, this.statusOptions());
      if (update.patch) await this.write(extension, config, observation);
      this.shootMetrics.record(namespace, update.summary, config.syncMode);
      this.options.metrics.healthChecks.inc({ result: hibernated ? 'hibernated' : 'success' });
    } catch (err) {
      // The next check resolves the shoot client afresh: the access secret may have changed.
      this.shootAccess.drop(namespace);
      this.options.metrics.healthChecks.inc({ result: 'error' });
      logger.info('Health check failed', { error: (err as Error).message });
    }
  }

  /**
   * Writes the health status built on a fresh read of the Extension: the cache may lag behind a
   * reconcile's write, and `conditions` is replaced as a whole by a merge patch.
   */
  private async write(
    cached: Extension,
    config: FluxConfig,
    observation: Awaited<ReturnType<typeof readShootFluxHealth>> | 'hibernated',
  ): Promise<void> {
    const fresh = await this.options.client.readExtension(
      cached.metadata.namespace ?? '',
      cached.metadata.name,
      checkSignal(this.options.periodMs),
    );
    if (!fresh || fresh.metadata.deletionTimestamp) return;
    const update = buildHealthStatusUpdate(fresh, config, observation, this.statusOptions());
    if (!update.patch) return;
    this.options.logger.debug('Writing health status', {
      extension: { namespace: fresh.metadata.namespace, name: fresh.metadata.name },
      due: update.due,
    });
    await this.options.statusWriter.write(fresh, update.patch);
  }

  private statusOptions() {
    return {
      now: this.now(),
      progressingThresholdMs: this.options.progressingThresholdMs,
      heartbeatMs: this.options.heartbeatMs,
    };
  }

  /** The effective config, or undefined when it is invalid (the reconciler reports that). */
  private evaluateConfig(extension: Extension, resources: unknown[] | undefined): FluxConfig | undefined {
    try {
      const evaluation = evaluateFluxConfig(extension.spec.providerConfig, {
        shootResources: decodeNamedResourceReferences(resources),
      });
      return evaluation.errors.length === 0 ? evaluation.config : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps one watch per shoot on its Flux Deployments, source and Kustomization; a change
   * (another resourceVersion set) checks the shoot at once instead of at the next period, and
   * one that may be drift the syncMode repairs is handed to `onDrift`.
   */
  private ensureWatch(key: string, access: ClusterAccess, config: FluxConfig): void {
    const fingerprint = JSON.stringify([
      config.syncMode,
      config.flux.namespace,
      config.source?.template.metadata,
      config.kustomization?.template.metadata,
    ]);
    const existing = this.watches.get(key);
    if (existing?.fingerprint === fingerprint && !existing.controller.signal.aborted) return;
    if (existing) this.unwatch(key);
    const controller = new AbortController();
    this.watches.set(key, { controller, fingerprint });
    void this.collectionsOf(access, config, controller.signal)
      .then((watched) => {
        let seen: string | undefined;
        let marks: WatchedCollectionMarks[] | undefined;
        return waitForCollections(access.client, {
          collections: watched.map((w) => w.collection),
          signal: controller.signal,
          evaluate: (lists) => {
            const versions = lists
              .map((objects) =>
                (objects as { metadata?: { resourceVersion?: string } }[])
                  .map((o) => o.metadata?.resourceVersion ?? '')
                  .sort()
                  .join(','),
              )
              .join('|');
            // The first list checks too: a change between the check that opened this watch and
            // the watch's own list would otherwise wait for the next period.
            if (versions !== seen) {
              this.checkKey(key);
              marks = this.detectDrift(key, config, watched, lists, marks);
            }
            seen = versions;
            return { done: false, progress: undefined };
          },
        });
      })
      .catch((err: unknown) => {
        this.options.logger.debug('Health watch ended', { key, error: (err as Error).message });
      })
      .finally(() => {
        if (this.watches.get(key)?.controller === controller) this.watches.delete(key);
      });
  }

  private async collectionsOf(
    access: ClusterAccess,
    config: FluxConfig,
    signal: AbortSignal,
  ): Promise<WatchedShootCollection[]> {
    const collections: WatchedShootCollection[] = [
      {
        collection: {
          path: `/apis/apps/v1/namespaces/${encodePathSegment(config.flux.namespace, 'namespace')}/deployments`,
        },
        part: 'installation',
        kind: 'Deployment',
      },
    ];
    for (const template of [config.source?.template, config.kustomization?.template]) {
      if (!template) continue;
      const mapping = await access.mapper.resolve(template.apiVersion, template.kind, signal);
      collections.push({
        collection: {
          path: buildResourcePath(mapping, template.metadata.namespace),
          fieldSelector: `metadata.name=${template.metadata.name}`,
        },
        part: 'manifests',
        kind: template.kind,
      });
    }
    return collections;
  }

  /**
   * Compares the watched objects with the last look and hands the key to `onDrift` when one of
   * ours was deleted or its spec changed; returns this look for the next comparison. Without
   * `onDrift`, or in a mode that repairs nothing, nothing is kept.
   */
  private detectDrift(
    key: string,
    config: FluxConfig,
    watched: readonly WatchedShootCollection[],
    lists: readonly unknown[][],
    previous: WatchedCollectionMarks[] | undefined,
  ): WatchedCollectionMarks[] | undefined {
    const { onDrift } = this.options;
    if (!onDrift || !followsManifests(config.syncMode)) return undefined;
    const marks = watched.map(({ part, kind }, index): WatchedCollectionMarks => ({
      part,
      kind,
      objects: new Map(
        (lists[index] ?? []).map((object) => {
          const metadata = (object as { metadata?: { namespace?: string; name?: string } }).metadata;
          return [`${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`, markWatchedObject(object)];
        }),
      ),
    }));
    const drifted = findDriftedObjects(config.syncMode, previous, marks);
    if (drifted.length > 0 && !this.stopped) {
      this.options.logger.info('Drift seen in the shoot, reconciling', {
        key,
        count: drifted.length,
        objects: drifted.slice(0, 10),
      });
      onDrift(key);
    }
    return marks;
  }

  /** A watched change: check that shoot now (outside the periodic round). */
  private checkKey(key: string): void {
    if (this.stopped) return;
    const target = this.targets().find((t) => t.key === key);
    if (target) void this.check(target);
  }

  private unwatch(key: string): void {
    this.watches.get(key)?.controller.abort();
    this.watches.delete(key);
  }
}
