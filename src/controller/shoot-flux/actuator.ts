import { setMaxListeners } from 'node:events';
import type { KubeConnection } from '../../kube/kube-connection.js';
import type { LandscapeFluxPolicy } from '../../api/landscape-policy.js';
import { decodeNamedResourceReferences } from '../../api/shoot-resources.js';
import { isHibernatingOrWakingUp, isHibernationEnabled } from '../../gardener/cluster.js';
import { errorMessage } from '../../gardener/status.js';
import type { Extension } from '../../gardener/types.js';
import { currentDate, systemClock, type Clock } from '../../kube/clock.js';
import type { RequestTimeouts } from '../../kube/http-transport.js';
import type { KubeRequestObserver } from '../../kube/kubeconfig.js';
import { KubeRawClient } from '../../kube/raw-client.js';
import { RestMapper } from '../../kube/rest-mapper.js';
import type { Logger } from '../../log/logger.js';
import type { Actuator, ActuatorContext } from '../actuator.js';
import { isTerminal, RequeueAfterError } from '../errors.js';
import { recordConfigWarnings } from './bootstrap-status.js';
import type { FluxBundleSource } from './flux-install.js';
import { ShootFluxHealthMonitor, type ShootFluxHealthMonitorOptions } from './health-monitor.js';
import { ShootConnections, type ShootKubeConfigSource } from './shoot-connections.js';
import { defaultRequeueAfterMs, keyOf, type ShootFluxRuntime } from './shoot-reconcile.js';
import { ShootWaker } from './shoot-waker.js';
import { DelayedEnqueue } from './delayed-enqueue.js';
import type { FluxUpgradeResult } from './flux-upgrade.js';
import { UpgradeSlots } from './upgrade-slots.js';
import {
  hashBootstrapConfig,
  isBootstrapped,
  readBootstrapState,
  rebootstrapAnnotation,
  wantsRebootstrap,
} from './state.js';

export type { ShootKubeConfigSource } from './shoot-connections.js';

/** Everything the shoot-flux actuator needs, injected by the composition root. */
export interface ShootFluxActuatorOptions {
  seed: KubeConnection;
  shootClients: ShootKubeConfigSource;
  bundles: FluxBundleSource;
  /** `--garden-cluster-identity`, published in shoot-info. */
  gardenClusterIdentity: string;
  logger: Logger;
  /** Enqueues an Extension by `namespace/name` (the manager's queue). */
  enqueue: (key: string) => void;
  /** Removes an annotation from an Extension (the rebootstrap request, once honoured). */
  removeAnnotation: (extension: Extension, key: string) => Promise<void>;
  /** How long one reconcile may wait for Flux before it returns and requeues. */
  waitBudgetMs: number;
  /** Fallback requeue while waiting; a watch on the shoot wakes the key earlier. */
  requeueAfterMs?: number;
  /** Observes a finished bootstrap's duration. */
  observeBootstrap?: (result: 'success' | 'failure', seconds: number) => void;
  requestObserver?: KubeRequestObserver;
  /** Connect and request timeouts of every request to a shoot (`--shoot-*-timeout`). */
  shootTimeouts?: RequestTimeouts;
  /**
   * Aborted the moment the controller begins to stop (reconcile deadlines abort with it): no
   * new wake-up watches open, and a reconcile it interrupts is recorded as in progress.
   */
  stopping?: AbortSignal;
  /** Time source (default the system clock). */
  clock?: Clock;
  /** The day-2 health checks of bootstrapped shoots; none when undefined. */
  health?: ShootFluxHealthSettings;
  /** The landscape's Flux defaults and enforcement (flags of `run`). */
  landscape?: LandscapeFluxPolicy;
  /** `--max-concurrent-flux-upgrades`: Flux upgrades (`syncMode: Full`) running at once (default 10). */
  maxConcurrentUpgrades?: number;
  /** Observes a finished Flux upgrade's result and duration. */
  observeUpgrade?: (result: FluxUpgradeResult, seconds: number) => void;
}

/** Health monitor options the actuator does not fill in itself. */
export type ShootFluxHealthSettings = Omit<
  ShootFluxHealthMonitorOptions,
  'seed' | 'accessShoot' | 'logger' | 'observer' | 'clock'
>;

/**
 * The shoot-flux actuator: installs Flux into the shoot, syncs secrets and shoot-info, bootstraps
 * the source and Kustomization once, and afterwards keeps only secrets and shoot-info in sync.
 * Nothing it creates in the shoot is ever removed, by design: the shoot belongs to its users.
 */
export class ShootFluxActuator implements Actuator {
  private readonly runtime: ShootFluxRuntime;
  private readonly shoots: ShootConnections;
  private readonly waker: ShootWaker;
  private readonly now: () => Date;
  private readonly health: ShootFluxHealthMonitor | undefined;
  private readonly upgradeSlots: UpgradeSlots;
  private readonly delayed: DelayedEnqueue;
  /** Ends every shoot request and watch on close. */
  private readonly lifetime = new AbortController();

  constructor(private readonly options: ShootFluxActuatorOptions) {
    // Every request in flight listens on the lifetime; health checks of many shoots run at once.
    setMaxListeners(0, this.lifetime.signal);
    const client = new KubeRawClient(options.seed, options.requestObserver, {
      serverRole: 'seed API server',
      lifetime: this.lifetime.signal,
    });
    this.shoots = new ShootConnections({
      shootClients: options.shootClients,
      requestObserver: options.requestObserver,
      timeouts: options.shootTimeouts,
      lifetime: this.lifetime.signal,
    });
    this.waker = new ShootWaker(options.enqueue, options.logger.named('shoot-waker'));
    const clock = options.clock ?? systemClock;
    this.now = () => currentDate(clock);
    this.upgradeSlots = new UpgradeSlots(options.maxConcurrentUpgrades ?? 10, options.enqueue);
    this.delayed = new DelayedEnqueue(options.enqueue);
    if (options.health) {
      this.health = new ShootFluxHealthMonitor({
        ...options.health,
        seed: options.seed,
        accessShoot: (namespace) => this.shoots.connect(namespace),
        logger: options.logger.named('health'),
        observer: options.requestObserver,
        clock,
      });
    }
    options.stopping?.addEventListener(
      'abort',
      () => {
        this.waker.stop();
      },
      { once: true },
    );
    this.runtime = {
      options,
      seed: { client, mapper: new RestMapper(client) },
      waker: this.waker,
      now: this.now,
      health: this.health,
      upgradeSlots: this.upgradeSlots,
      delayed: this.delayed,
    };
  }

  /** Starts the health checks (this replica leads). */
  start(): void {
    this.health?.start();
  }

  /** Ends the wake-up watches, the health checks and every request still open to a shoot (shutdown). */
  async close(): Promise<void> {
    this.waker.stop();
    this.delayed.stop();
    // Cut open shoot requests first, so a health check in flight ends now instead of at its deadline.
    this.lifetime.abort(new Error('the controller stopped'));
    await this.health?.stop();
    this.shoots.forgetAll();
  }

  /** What the actuator still holds for an Extension: open wake-up watches and shoot clients. */
  heldFor(extension: Extension): {
    watches: string[];
    shootClient: boolean;
    shootAgents: number;
    shootSockets: number;
  } {
    return {
      watches: this.waker.watchesOf(keyOf(extension)),
      shootClient: this.shoots.has(extension.metadata.namespace ?? ''),
      // Of every shoot: the tests that look hold one Extension per actuator.
      shootAgents: this.options.shootClients.agents?.size ?? 0,
      shootSockets: this.options.shootClients.agents?.openSockets ?? 0,
    };
  }

  /**
   * Create and Reconcile: bootstrap once, then keep secrets and shoot-info in sync. A run cut
   * short by a shutdown is reported as in progress: every step is idempotent and recorded, so
   * the next leader resumes where this one stopped.
   */
  async reconcile(context: ActuatorContext): Promise<void> {
    const key = keyOf(context.extension);
    this.waker.begin(key);
    try {
      await this.reconcileShoot(context);
    } catch (err) {
      if (!this.options.stopping?.aborted || isTerminal(err)) throw err;
      if (err instanceof RequeueAfterError && err.cause === undefined) throw err;
      throw new RequeueAfterError(
        this.options.requeueAfterMs ?? defaultRequeueAfterMs,
        `interrupted by a controller shutdown, the next leader resumes: ${errorMessage(err)}`,
      );
    } finally {
      this.waker.end(key);
    }
  }

  private async reconcileShoot(context: ActuatorContext): Promise<void> {
    const { extension, cluster, logger, events } = context;
    if (!cluster) throw new Error('the Cluster of the shoot is missing');
    const shootResources = decodeNamedResourceReferences(cluster.shoot.spec?.resources);
    const hibernated = isHibernationEnabled(cluster.shoot) || isHibernatingOrWakingUp(cluster.shoot);
    const bootstrapping = !hibernated && (!isBootstrapped(extension) || wantsRebootstrap(extension));
    const { bundles, landscape } = this.options;
    // The reconcile work (config evaluation and schemas, the install, the bootstrap) loads with
    // the first Extension, not at start: an idle controller holds none of its code. The loader
    // keeps each module, so later reconciles take it from there.
    const { evaluateExtensionConfig, loadTemplateSchemas } = await import('./config-evaluation.js');
    const templateSchemas = bootstrapping
      ? await loadTemplateSchemas(context, shootResources, bundles, landscape)
      : undefined;
    const { config, warnings, versionOrigin } = evaluateExtensionConfig(
      context,
      shootResources,
      templateSchemas,
      landscape,
    );
    // After the bootstrap the templates are no longer checked against the CRDs (no bundle is
    // loaded), so for the config that was bootstrapped the condition written then stays: its
    // unknown-field warnings still say what was left out of the applied objects.
    const state = readBootstrapState(extension);
    const sameAsBootstrapped =
      templateSchemas === undefined && state.bootstrapped && state.configHash === hashBootstrapConfig(config);
    if (!sameAsBootstrapped) await recordConfigWarnings(context, config, warnings, this.now());
    if (hibernated) {
      logger.info('Shoot is hibernated or changing hibernation state, skipping the shoot');
      return;
    }
    const shoot = await this.shoots.connect(extension.metadata.namespace ?? '', context.signal);
    if (isBootstrapped(extension) && !wantsRebootstrap(extension)) {
      const { reconcileBootstrapped } = await import('./bootstrapped-reconcile.js');
      await reconcileBootstrapped(this.runtime, {
        context,
        config,
        cluster,
        shoot,
        shootResources,
        versionOrigin,
      });
      return;
    }
    if (wantsRebootstrap(extension)) {
      events.event(
        'Normal',
        'Rebootstrap',
        `Annotation ${rebootstrapAnnotation} set: running the full bootstrap again`,
      );
    }
    const { bootstrap } = await import('./bootstrap.js');
    await bootstrap(this.runtime, {
      context,
      config,
      cluster,
      shoot,
      shootResources,
      versionOrigin,
      ...(templateSchemas ? { templateSchemas } : {}),
    });
  }

  /**
   * Nothing is removed from the shoot: users uninstall Flux themselves; shoot deletion cleans up.
   * What the actuator holds for the Extension (watches, health checks, shoot clients) is released.
   */
  delete(context: ActuatorContext): Promise<void> {
    this.release(context.extension);
    context.logger.info('Leaving Flux and its objects in the shoot');
    return Promise.resolve();
  }

  /** Like delete: the shoot is going away, nothing to do in it. */
  forceDelete(context: ActuatorContext): Promise<void> {
    return this.delete(context);
  }

  /** The bootstrapped state lives in status.state, which gardenlet carries over; nothing else to do. */
  migrate(context: ActuatorContext): Promise<void> {
    this.release(context.extension);
    context.logger.info('Keeping the bootstrap state for the restore', {
      bootstrapped: readBootstrapState(context.extension).bootstrapped,
    });
    return Promise.resolve();
  }

  /** status.state came back from the ShootState: reconcile from it without bootstrapping again. */
  restore(context: ActuatorContext): Promise<void> {
    return this.reconcile(context);
  }

  /** Ends the Extension's watches and health checks and drops its shoot clients. */
  private release(extension: Extension): void {
    this.waker.cancel(keyOf(extension));
    this.upgradeSlots.forget(keyOf(extension));
    this.delayed.cancel(keyOf(extension));
    this.health?.forget(extension);
    this.shoots.forget(extension.metadata.namespace ?? '');
  }
}
