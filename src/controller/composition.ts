import { systemClock, type Clock } from '../kube/clock.js';
import { registerUpgradeMetrics } from './shoot-flux/upgrade-metrics.js';
import os from 'node:os';
import path from 'node:path';
import type { LandscapeFluxPolicy } from '../api/landscape-policy.js';
import type { FluxBundleLoader, FluxBundleLoaderOptions } from '../flux/bundle-loader.js';
import { defaultProgressingThresholdMs } from '../gardener/constants.js';
import type { ShootClientMode } from '../gardener/shoot-access.js';
import type { AgentPool } from '../kube/agent-pool.js';
import type { RequestTimeouts } from '../kube/http-transport.js';
import { registerConnectionMetrics } from './connection-metrics.js';
import type { Actuator } from './actuator.js';
import type { FluxBundleSource } from './shoot-flux/flux-install.js';
import { Manager, type ActuatorDependencies, type ManagerOptions } from './manager.js';
import { ShootFluxActuator } from './shoot-flux/actuator.js';
import { ShootClientProvider } from './shoot-flux/shoot-client-provider.js';
import { StatusWriter } from './status-writer.js';

// The composition root: the one place that wires the production pieces (actuator, shoot clients,
// bundle loader, health monitor, manager) together. `run`, the bench, hack/landscape and the
// tests all build the controller through it, so what they run is what production runs.

/** Settings of `run` that only the shoot-flux actuator uses. */
export interface ActuatorSettings {
  /** `--garden-cluster-identity`: written into the shoot-info ConfigMap. */
  gardenClusterIdentity: string;
  /** `--flux-manifests-base`: where Flux release bundles come from, in order. */
  fluxManifestsBases: string[];
  /** `--flux-manifests-checksum`: expected sha256 of `manifests.tar.gz` per Flux version. */
  fluxManifestsChecksums?: Record<string, string>;
  /** `$GARDENER_SHOOT_CLIENT`: `external` uses only the `gardener` access secret. */
  shootClientMode: ShootClientMode;
  /** `--reconcile-timeout`: the actuator waits for Flux only within it. */
  reconcileTimeoutMs: number;
  /** `--shoot-connect-timeout`, `--shoot-request-timeout`: bound every request to a shoot. */
  shootTimeouts?: RequestTimeouts;
  /** `--health-check-*`: the day-2 health checks of bootstrapped shoots. */
  healthCheck?: HealthCheckSettings;
  /** `--default-flux-*`, `--enforce-flux-registry`, `--allowed-flux-versions`. */
  landscape?: LandscapeFluxPolicy;
  /** `--max-concurrent-flux-upgrades`. */
  maxConcurrentFluxUpgrades?: number;
  /** The clock of maintenance windows and timestamps (tests move it; the system clock otherwise). */
  now?: () => Date;
  /**
   * The process's keep-alive agents (the seed's connection takes its own from it too), counted
   * in `rest_client_connections_opened_total`. Default: a pool of the shoot clients' own.
   */
  connections?: AgentPool;
}

/** How the day-2 health checks run. */
export interface HealthCheckSettings {
  /** `--health-check-sync-period`. */
  periodMs: number;
  /** `--health-check-heartbeat-period`. */
  heartbeatMs: number;
  /** `--health-check-watch`. */
  watch: boolean;
  /** How long a rollout may be Progressing before it counts as False. */
  progressingThresholdMs?: number;
}

/**
 * Defaults of `--shoot-connect-timeout` and `--shoot-request-timeout`: far inside the 3m
 * reconcile deadline, far above what a healthy API server needs (kubectl has no default; the
 * API server itself ends a request after 60 s).
 */
export const defaultShootTimeouts: RequestTimeouts = { connectMs: 10_000, requestMs: 30_000 };

/** Builds the actuator the manager drives; the shoot-flux actuator in production, a recorder in tests. */
export type RunActuatorFactory = (settings: ActuatorSettings, dependencies: ActuatorDependencies) => Actuator;

/** The system clock's timers with the time read from `now` (a test's moved clock). */
function clockReading(now: () => Date): Clock {
  return { ...systemClock, now: () => now().getTime() };
}

/**
 * The bundle loader, loaded and built when a reconcile first asks for a bundle: an idle
 * controller (and one whose shoots are all bootstrapped) holds neither its code nor tar's.
 */
function lazyBundleLoader(options: FluxBundleLoaderOptions): FluxBundleSource {
  let loader: Promise<FluxBundleLoader> | undefined;
  return {
    async load(version, signal) {
      loader ??= import('../flux/bundle-loader.js').then((module) => new module.FluxBundleLoader(options));
      return (await loader).load(version, signal);
    },
  };
}

/** The shoot-flux actuator with its production dependencies. */
export function createShootFluxActuator(
  settings: ActuatorSettings,
  dependencies: ActuatorDependencies,
): ShootFluxActuator {
  const { logger, metrics, requestObserver } = dependencies;
  const shootClients = new ShootClientProvider(
    dependencies.seed,
    settings.shootClientMode,
    requestObserver,
    settings.connections,
  );
  registerConnectionMetrics(metrics.registry, shootClients.agents);
  return new ShootFluxActuator({
    seed: dependencies.seed,
    shootClients,
    bundles: lazyBundleLoader({
      bases: settings.fluxManifestsBases,
      checksums: settings.fluxManifestsChecksums,
      cacheDir: path.join(os.tmpdir(), 'gardener-extension-shoot-flux', 'flux-bundles'),
      logger,
    }),
    gardenClusterIdentity: settings.gardenClusterIdentity,
    logger,
    enqueue: dependencies.enqueue,
    removeAnnotation: async (extension, key) => {
      await dependencies.extensions.patchExtensionMetadata(extension, { annotations: { [key]: null } });
    },
    // Leave time within the reconcile deadline to record the outcome.
    waitBudgetMs: Math.max(5_000, settings.reconcileTimeoutMs - 30_000),
    observeBootstrap: (result, seconds) => {
      metrics.bootstrapDuration.observe({ result }, seconds);
    },
    requestObserver,
    ...(settings.healthCheck
      ? {
          health: {
            client: dependencies.extensions,
            listExtensions: dependencies.listExtensions,
            statusWriter: new StatusWriter({ patcher: dependencies.extensions, logger }),
            metrics,
            periodMs: settings.healthCheck.periodMs,
            heartbeatMs: settings.healthCheck.heartbeatMs,
            progressingThresholdMs:
              settings.healthCheck.progressingThresholdMs ?? defaultProgressingThresholdMs,
            watch: settings.healthCheck.watch,
            // What the watch sees of drift is repaired by a reconcile now (the queue collapses bursts).
            onDrift: dependencies.enqueue,
          },
        }
      : {}),
    shootTimeouts: settings.shootTimeouts ?? defaultShootTimeouts,
    stopping: dependencies.stopping,
    ...(settings.landscape ? { landscape: settings.landscape } : {}),
    ...(settings.maxConcurrentFluxUpgrades !== undefined
      ? { maxConcurrentUpgrades: settings.maxConcurrentFluxUpgrades }
      : {}),
    observeUpgrade: registerUpgradeMetrics(metrics.registry),
    ...(settings.now ? { clock: clockReading(settings.now) } : {}),
  });
}

/** The manager of a controller process, driving the actuator `createActuator` builds. */
export function createControllerManager(
  options: Omit<ManagerOptions, 'createActuator'> & {
    /** The actuator's settings, from the flags of `run`. */
    readonly actuator: ActuatorSettings;
    /** Default: the shoot-flux actuator ({@link createShootFluxActuator}). */
    readonly createActuator?: RunActuatorFactory;
  },
): Manager {
  const { actuator, createActuator = createShootFluxActuator, ...manager } = options;
  return new Manager({
    ...manager,
    createActuator: (dependencies) => createActuator(actuator, dependencies),
  });
}
