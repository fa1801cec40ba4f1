import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeConnection } from '../kube/kube-connection.js';
import { extensionType as shootFluxType } from '../api/constants.js';
import { extensionsApiVersion, heartbeatLeaseName } from '../gardener/constants.js';
import { hasClass, hasType } from '../gardener/operation.js';
import type { Extension } from '../gardener/types.js';
import { EventRecorderFactory } from '../kube/events.js';
import { CachedExtensionStore } from './cached-extension-store.js';
import { ExtensionClient } from './extension-client.js';
import { ExtensionWatches } from './extension-watches.js';
import { Heartbeat } from '../kube/heartbeat.js';
import type { KubeRequestObserver } from '../kube/kubeconfig.js';
import { LeaderElector, LeaseClient } from '../kube/leader-election.js';
import type { Logger } from '../log/logger.js';
import type { Actuator } from './actuator.js';
import { parseBindAddress, ProbeServer } from './http-server.js';
import { isTimeoutFailure } from './timeout-failure.js';
import { createControllerMetrics, observeReconcile, type ControllerMetrics } from './metrics.js';
import { WorkQueue } from './queue.js';
import { ExtensionReconciler } from './reconciler.js';
import { StatusWriter } from './status-writer.js';

/** What an actuator factory gets from the manager. */
export interface ActuatorDependencies {
  /** The seed cluster. */
  seed: KubeConnection;
  logger: Logger;
  metrics: ControllerMetrics;
  /** Reports Kubernetes requests to the requests metric; pass to `makeApiClient`. */
  requestObserver: KubeRequestObserver;
  /** Enqueues an Extension by its `namespace/name` key (e.g. when a shoot object it waits for changed). */
  enqueue: (key: string) => void;
  /** Reads and merge-patches Extensions (e.g. to remove an annotation the actuator honoured). */
  extensions: ExtensionClient;
  /** The Extensions this manager serves (type and class), from its informer cache. */
  listExtensions: () => readonly Extension[];
  /**
   * Aborted the moment the manager begins to stop (the reconcile deadlines abort with it): waits
   * and requests end at once, and the actuator records where it stopped (the next leader resumes
   * from there) and opens no new watches.
   */
  stopping: AbortSignal;
}

/** Builds the actuator once the manager's shared dependencies exist. */
export type ActuatorFactory = (dependencies: ActuatorDependencies) => Actuator;

/** Options of the {@link Manager}; every `run` flag ends up here. */
export interface ManagerOptions {
  kubeConfig: KubeConnection;
  createActuator: ActuatorFactory;
  logger: Logger;
  /** Extension type served (default `shoot-flux`). */
  extensionType?: string;
  /** `--extension-classes`; empty means `shoot`. */
  extensionClasses: readonly string[];
  /** `--ignore-operation-annotation`: reconcile on generation changes, also of the Cluster. */
  ignoreOperationAnnotation: boolean;
  maxConcurrentReconciles: number;
  reconcileTimeoutMs: number;
  /** Lease-based leader election; `undefined` disables it. */
  leaderElection?: {
    namespace: string;
    id: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** The heartbeat Lease; `undefined` disables it. */
  heartbeat?: { namespace: string; renewIntervalSeconds: number };
  /** Go-style bind addresses; `0` or empty disables the listener. */
  metricsBindAddress: string;
  healthBindAddress: string;
  /**
   * `--graceful-shutdown-timeout`: on shutdown, running reconciles are cancelled at once; this
   * is how long the manager waits for them to record their state before it stops anyway
   * (default 10 s).
   */
  shutdownGracePeriodMs?: number;
  /**
   * Most workers that may be busy with Extensions whose last reconcile timed out against an API
   * server (default half of `maxConcurrentReconciles`, at least 1), so silent shoots cannot
   * take every worker.
   */
  maxTimedOutReconciles?: number;
  resyncMs?: number;
  /** Informer restart backoff bounds (tests use small ones). */
  informerBackoffMs?: [number, number];
  /** Prometheus default process metrics (off in tests that run several managers). */
  defaultMetrics?: boolean;
}

/**
 * The controller manager: informers on Extensions (and Clusters with
 * `--ignore-operation-annotation`), predicates, the work queue and the generic reconciler,
 * leader election, heartbeat, /healthz, /readyz, /metrics, and graceful shutdown.
 */
export class Manager {
  readonly metrics: ControllerMetrics;
  private readonly queue: WorkQueue;
  private readonly client: ExtensionClient;
  private readonly watches: ExtensionWatches;
  private readonly elector: LeaderElector | undefined;
  private readonly heartbeat: Heartbeat | undefined;
  private readonly events: EventRecorderFactory;
  private readonly actuator: Actuator;
  /** Aborted when stopping begins: every reconcile's deadline, wait and request ends with it. */
  private readonly shutdown = new AbortController();
  private readonly servers: ProbeServer[] = [];
  private readonly type: string;
  private fatal: ((err: Error) => void) | undefined;
  private resolveDone: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private leading = false;
  /** Ports the listeners bound to (after `start`). */
  readonly ports: { metrics?: number; health?: number } = {};
  /** Rejects when the manager must exit (leadership lost); resolves after `stop`. */
  readonly done: Promise<void>;

  constructor(private readonly options: ManagerOptions) {
    const logger = options.logger;
    this.type = options.extensionType ?? shootFluxType;
    let queueLength = () => 0;
    this.metrics = createControllerMetrics({
      queueLength: () => queueLength(),
      defaultMetrics: options.defaultMetrics,
    });
    const observer: KubeRequestObserver = (verb, code) => {
      this.metrics.kubeRequests.inc({ verb, code });
    };
    this.client = new ExtensionClient(options.kubeConfig, observer);
    this.events = new EventRecorderFactory({
      kubeConfig: options.kubeConfig,
      component: 'gardener-extension-shoot-flux',
      logger: logger.named('events'),
      observer,
    });
    const actuator = (this.actuator = options.createActuator({
      seed: options.kubeConfig,
      logger: logger.named('actuator'),
      metrics: this.metrics,
      requestObserver: observer,
      enqueue: (key) => {
        this.queue.add(key);
      },
      extensions: this.client,
      listExtensions: () => this.watches.list(),
      stopping: this.shutdown.signal,
    }));
    const reconciler = new ExtensionReconciler({
      actuator,
      // Reads from the informers' cache; the watches are made below, before the first reconcile.
      store: new CachedExtensionStore(this.client, {
        synced: () => this.watches.synced(),
        extension: (namespace, name) => this.watches.extension(namespace, name),
        cluster: (name) => this.watches.cluster(name),
        watchesClusters: options.ignoreOperationAnnotation,
      }),
      statusWriter: new StatusWriter({ patcher: this.client, logger }),
      events: (extension) =>
        this.events.forObject({
          apiVersion: extensionsApiVersion,
          kind: 'Extension',
          metadata: extension.metadata,
        }),
      logger: logger.named('extension'),
      reconcileTimeoutMs: options.reconcileTimeoutMs,
      resyncMs: options.resyncMs,
      shutdownSignal: this.shutdown.signal,
    });
    this.queue = new WorkQueue({
      concurrency: options.maxConcurrentReconciles,
      handle: (key, reconcileID) => reconciler.reconcile(key, reconcileID),
      logger: logger.named('extension'),
      isSlowFailure: isTimeoutFailure,
      maxSlowWorkers: options.maxTimedOutReconciles,
      onReconciled: (result, seconds) => {
        observeReconcile(this.metrics, result, seconds);
      },
    });
    queueLength = () => this.queue.length;

    const [minBackoffMs, maxBackoffMs] = options.informerBackoffMs ?? [500, 30_000];
    this.watches = new ExtensionWatches({
      kubeConfig: options.kubeConfig,
      client: this.client,
      logger: logger.named('informer'),
      observer,
      backoffMs: [minBackoffMs, maxBackoffMs],
      ignoreOperationAnnotation: options.ignoreOperationAnnotation,
      matches: (extension) => this.matches(extension),
      isLeading: () => this.leading,
      enqueue: (key) => {
        this.queue.add(key);
      },
    });

    const leases = new LeaseClient(options.kubeConfig, observer);
    if (options.leaderElection) {
      const election = options.leaderElection;
      this.elector = new LeaderElector({
        leases,
        namespace: election.namespace,
        name: election.id,
        identity: election.identity ?? `${hostname()}_${randomUUID()}`,
        logger: logger.named('leader-election'),
        leaseDurationMs: election.leaseDurationMs,
        renewDeadlineMs: election.renewDeadlineMs,
        retryPeriodMs: election.retryPeriodMs,
      });
    }
    if (options.heartbeat) {
      this.heartbeat = new Heartbeat({
        leases,
        namespace: options.heartbeat.namespace,
        leaseName: heartbeatLeaseName,
        holderIdentity: this.type,
        renewIntervalSeconds: options.heartbeat.renewIntervalSeconds,
        logger: logger.named('heartbeat'),
      });
    }
    this.done = new Promise<void>((resolve, reject) => {
      this.fatal = reject;
      this.resolveDone = resolve;
    });
  }

  /** Predicates `HasType` and `HasClass`. */
  private matches(extension: Extension): boolean {
    return hasType(extension, this.type) && hasClass(extension, this.options.extensionClasses);
  }

  /** Whether this replica leads (always true without leader election). */
  get isLeader(): boolean {
    return this.elector ? this.elector.leadership === 'leader' : true;
  }

  /** Ready once the informers synced and, with leader election, the leadership state is known. */
  readiness(): string | undefined {
    const unsynced = this.watches.unsynced();
    if (unsynced) return unsynced;
    if (this.elector?.leadership === 'unknown') return 'leadership not known yet';
    return undefined;
  }

  /** Starts listeners and informers, then (once leading) the workers and the heartbeat. */
  async start(): Promise<void> {
    const logger = this.options.logger;
    const metricsAddress = parseBindAddress(this.options.metricsBindAddress);
    const healthAddress = parseBindAddress(this.options.healthBindAddress);
    if (metricsAddress) {
      const server = new ProbeServer({ logger, metrics: this.metrics.registry });
      this.servers.push(server);
      this.ports.metrics = await server.listen(metricsAddress);
    }
    if (healthAddress) {
      const server = new ProbeServer({
        logger,
        healthz: { ping: () => undefined },
        readyz: { 'informer-sync': () => this.readiness() },
      });
      this.servers.push(server);
      this.ports.health = await server.listen(healthAddress);
    }
    this.watches.start();
    if (this.elector) {
      this.elector.start();
      void this.elector.lostLeadership.then(() => {
        this.fatal?.(new Error('leader election lost'));
      });
      void this.elector.elected.then(() => {
        this.startLeading();
      });
    } else {
      this.startLeading();
    }
    logger.info('Started manager', { extensionType: this.type, leaderElection: this.elector !== undefined });
  }

  private startLeading(): void {
    if (this.shutdown.signal.aborted || this.stopping) return;
    // Like controller-runtime, events count only from now on: the cache is replayed through the
    // create predicate, so a follower's stale events do not cause reconciles.
    this.leading = true;
    this.watches.replay();
    // As controller-runtime's controller, the workers start once the caches synced: an
    // Extension listed by its informer and again through its Cluster's is queued once, not
    // reconciled twice when a worker took the first event before the second list came.
    this.watches.waitForSync(this.shutdown.signal).then(
      () => {
        this.queue.start();
      },
      () => undefined,
    );
    this.heartbeat?.start();
    this.actuator.start?.();
  }

  /**
   * Graceful shutdown, in this order (as controller-runtime's manager): stop taking work and
   * cancel running reconciles at once, so waits and requests end and every reconcile records
   * where it stopped (status writes have their own deadline); wait up to the grace period for
   * them; release the leader Lease, so the next leader resumes at once; then close informers,
   * the actuator's watches and connections, and the listeners.
   */
  async stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const logger = this.options.logger;
    logger.info('Stopping manager', { runningReconciles: this.queue.active });
    const drained = this.queue.shutdown();
    this.shutdown.abort(new Error('the controller is shutting down'));
    const grace = this.options.shutdownGracePeriodMs ?? 10_000;
    if ((await settlesWithin(drained, grace)) === 'timeout') {
      logger.error('Reconciles did not end within the grace period, stopping anyway', {
        runningReconciles: this.queue.active,
        gracePeriodMs: grace,
      });
    }
    await this.elector?.stop();
    await this.heartbeat?.stop();
    await this.watches.stop();
    await this.actuator.close?.();
    await this.events.flush();
    await Promise.all(this.servers.map((s) => s.close()));
    logger.info('Stopped manager');
    this.resolveDone?.();
  }
}

/** Whether `promise` settled within `ms` (the timer does not outlive the race). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
  });
  try {
    return await Promise.race([promise.then(() => 'settled' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
