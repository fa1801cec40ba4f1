import { registerUpgradeMetrics } from '../../controller/shoot-flux/upgrade-metrics.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { extensionType } from '../../api/constants.js';
import type { Actuator } from '../../controller/actuator.js';
import { Manager, type ActuatorDependencies } from '../../controller/manager.js';
import { FluxBundleLoader, parseManifestsBases, parseManifestsChecksums } from '../../flux/bundle-loader.js';
import { ShootFluxActuator } from '../../controller/shoot-flux/actuator.js';
import { StatusWriter } from '../../controller/status-writer.js';
import { ShootClientProvider } from '../../kube/shoot-client.js';
import {
  defaultHealthCheckSyncPeriodMs,
  defaultProgressingThresholdMs,
  extensionClasses,
  type ExtensionClass,
} from '../../gardener/constants.js';
import type { ShootClientMode } from '../../gardener/shoot-access.js';
import type { RequestTimeouts } from '../../kube/http-transport.js';
import { loadKubeConfig } from '../../kube/kubeconfig.js';
import {
  healthBindAddressOption,
  logFormatOption,
  logLevelOption,
  metricsBindAddressOption,
} from '../serving-options.js';
import type { LandscapeFluxPolicy } from '../../api/landscape-policy.js';
import {
  addLandscapeFlags,
  buildLandscapePolicy,
  readImageVectorRegistry,
  type LandscapeFlags,
} from '../landscape-flags.js';
import type { Logger } from '../../log/logger.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log/winston-logger.js';

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

/** Builds the actuator `run` drives; the shoot-flux actuator in production, a recorder in tests. */
export type RunActuatorFactory = (settings: ActuatorSettings, dependencies: ActuatorDependencies) => Actuator;

/** Every flag of `run`, parsed and validated. */
export interface RunOptions extends LandscapeFlags {
  kubeconfig?: string;
  leaderElection: boolean;
  leaderElectionId: string;
  leaderElectionNamespace?: string;
  maxConcurrentReconciles: number;
  ignoreOperationAnnotation: boolean;
  extensionClasses: ExtensionClass[];
  gardenClusterIdentity: string;
  heartbeatNamespace?: string;
  heartbeatRenewIntervalSeconds: number;
  metricsBindAddress: string;
  healthBindAddress: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  fluxManifestsBase: string[];
  fluxManifestsChecksum: Record<string, string>;
  reconcileTimeout: number;
  healthCheckSyncPeriod: number;
  healthCheckHeartbeatPeriod: number;
  healthCheckWatch: boolean;
  shootRequestTimeout: number;
  shootConnectTimeout: number;
  gracefulShutdownTimeout: number;
  master?: string;
  controllers: ControllerName[];
  disableControllers: ControllerName[];
  gardenerVersion?: string;
  selfHostedShootCluster: boolean;
  leaderElectionResourceLock: string;
  healthcheckMaxConcurrentReconciles?: number;
}

/** The shoot-flux actuator with its production dependencies. */
export function createShootFluxActuator(
  settings: ActuatorSettings,
  dependencies: ActuatorDependencies,
): Actuator {
  const { logger, metrics, requestObserver } = dependencies;
  return new ShootFluxActuator({
    seed: dependencies.seed,
    shootClients: new ShootClientProvider(dependencies.seed, settings.shootClientMode),
    bundles: new FluxBundleLoader({
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
    ...(settings.now ? { now: settings.now } : {}),
  });
}

const defaultActuatorFactory: RunActuatorFactory = createShootFluxActuator;

/** pflag-style boolean: `--flag`, `--flag=true`, `--flag=false` (also 1/0, t/f as Go's ParseBool). */
export function parseBoolFlag(value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidArgumentError(`"${value}" is not a boolean (use true or false)`);
}

function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`"${value}" must be an integer greater than 0`);
  return Number(value);
}

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's `time.ParseDuration` (e.g. `3m`, `90s`, `1m30s`, `500ms`) in milliseconds; must be > 0. */
export function parseDurationFlag(value: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(value)
    ? value.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g)
    : null;
  if (!parts) throw new InvalidArgumentError(`"${value}" is not a duration (e.g. 3m, 90s, 1m30s)`);
  const ms = parts.reduce((sum, part) => {
    const [, amount = '0', unit = 'ms'] = /^(\d+(?:\.\d+)?)(\D+)$/.exec(part) ?? [];
    return sum + Number(amount) * (durationUnits[unit] ?? 0);
  }, 0);
  if (ms <= 0) throw new InvalidArgumentError(`"${value}" must be greater than 0`);
  return ms;
}

function parseChecksums(value: string, previous: Record<string, string>): Record<string, string> {
  try {
    return { ...previous, ...parseManifestsChecksums([value]) };
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseClasses(value: string, previous: ExtensionClass[]): ExtensionClass[] {
  const classes = value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const c of classes) {
    if (!(extensionClasses as readonly string[]).includes(c)) {
      throw new InvalidArgumentError(
        `unsupported extension class "${c}" (supported: ${extensionClasses.join(', ')})`,
      );
    }
  }
  return [...new Set([...previous, ...(classes as ExtensionClass[])])];
}

function boolOption(flags: string, description: string, defaultValue: boolean): Option {
  return new Option(`${flags} [enabled]`, description)
    .argParser(parseBoolFlag)
    .preset(true)
    .default(defaultValue);
}

/** The value, or undefined when empty (an empty env var counts as unset). */
function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** The namespace of the in-cluster service account, if running in a pod. */
function inClusterNamespace(): string | undefined {
  try {
    return (
      readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * The controllers a Gardener extension's `--controllers`/`--disable-controllers` switch between
 * (gardener's `SwitchOptions`): this process runs the Extension reconciler, the health check and
 * the heartbeat.
 */
export const controllerNames = ['extension', 'healthcheck', 'heartbeat'] as const;
export type ControllerName = (typeof controllerNames)[number];

function parseControllers(value: string, previous: ControllerName[] | undefined): ControllerName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!(controllerNames as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`cannot enable/disable unknown controller "${name}"`);
    }
  }
  return [...new Set([...(previous ?? []), ...(names as ControllerName[])])];
}

/** The controllers that run: `--controllers` (all when not given) less `--disable-controllers`. */
export function enabledControllers(
  options: Pick<RunOptions, 'controllers' | 'disableControllers'>,
): ControllerName[] {
  const wanted = options.controllers.length > 0 ? options.controllers : [...controllerNames];
  return wanted.filter((name) => !options.disableControllers.includes(name));
}

/** Builds the `run` command; tests pass their own actuator factory. */
export function buildRunCommand(createActuator: RunActuatorFactory = defaultActuatorFactory): Command {
  const env = process.env;
  return addLandscapeFlags(
    new Command('run')
      .description('Run the extension controller against a seed cluster')
      .exitOverride()
      .option('--kubeconfig <path>', 'seed kubeconfig (default: in-cluster, else $KUBECONFIG)')
      .addOption(boolOption('--leader-election', 'elect a leader among replicas with a Lease', true))
      .option(
        '--leader-election-id <name>',
        'name of the leader election Lease',
        `${extensionType}-leader-election`,
      )
      .addOption(
        new Option(
          '--leader-election-namespace <namespace>',
          'namespace of the leader election Lease',
        ).default(env.LEADER_ELECTION_NAMESPACE, '$LEADER_ELECTION_NAMESPACE'),
      )
      .addOption(
        new Option('--max-concurrent-reconciles <n>', 'Extensions reconciled at the same time')
          .argParser(parsePositiveInteger)
          .default(5),
      )
      .addOption(
        new Option(
          '--extension-max-concurrent-reconciles <n>',
          'alias of --max-concurrent-reconciles (Gardener name)',
        )
          .argParser(parsePositiveInteger)
          .hideHelp(),
      )
      .addOption(
        boolOption(
          '--ignore-operation-annotation',
          'reconcile on every generation change, also of the Cluster',
          false,
        ),
      )
      .addOption(
        new Option(
          '--extension-classes <classes>',
          'Extension classes to serve (comma-separated or repeated)',
        )
          .argParser(parseClasses)
          .default([] as ExtensionClass[], 'shoot'),
      )
      .option('--garden-cluster-identity <identity>', 'identity of the garden cluster (shoot-info)', 'garden')
      .addOption(
        new Option('--heartbeat-namespace <namespace>', 'namespace of the heartbeat Lease').default(
          env.LEADER_ELECTION_NAMESPACE,
          '$LEADER_ELECTION_NAMESPACE',
        ),
      )
      .addOption(
        new Option('--heartbeat-renew-interval-seconds <n>', 'renew interval of the heartbeat Lease')
          .argParser(parsePositiveInteger)
          .default(30),
      )
      .addOption(metricsBindAddressOption())
      .addOption(healthBindAddressOption())
      .addOption(logLevelOption())
      .addOption(logFormatOption())
      .addOption(
        new Option(
          '--flux-manifests-base <location>',
          'Flux release bundle locations (directory or URL; repeatable, comma-separated)',
        )
          .argParser(collect)
          .default([] as string[], "Flux's GitHub releases"),
      )
      .addOption(
        new Option(
          '--flux-manifests-checksum <version=sha256>',
          'expected sha256 of a release bundle (repeatable, comma-separated), verified on every load',
        )
          .argParser(parseChecksums)
          .default({}, 'none'),
      )
      .addOption(
        new Option('--reconcile-timeout <duration>', 'deadline of one reconcile')
          .argParser(parseDurationFlag)
          .default(180_000, '3m'),
      )
      .addOption(
        new Option(
          '--health-check-sync-period <duration>',
          'how often each bootstrapped shoot is health-checked',
        )
          .argParser(parseDurationFlag)
          .default(defaultHealthCheckSyncPeriodMs, '30s'),
      )
      .addOption(
        new Option(
          '--health-check-heartbeat-period <duration>',
          'rewrite the check time of an unchanged health status this often',
        )
          .argParser(parseDurationFlag)
          .default(5 * 60_000, '5m'),
      )
      .addOption(
        boolOption(
          '--health-check-watch',
          "watch each shoot's Flux objects and Deployments and check on every change",
          false,
        ),
      )
      .addOption(
        new Option(
          '--shoot-request-timeout <duration>',
          'deadline of one request to a shoot API server (for a watch: until its response headers)',
        )
          .argParser(parseDurationFlag)
          .default(defaultShootTimeouts.requestMs, '30s'),
      )
      .addOption(
        new Option(
          '--shoot-connect-timeout <duration>',
          'deadline of connecting to a shoot API server (TCP and TLS)',
        )
          .argParser(parseDurationFlag)
          .default(defaultShootTimeouts.connectMs, '10s'),
      )
      .addOption(
        new Option(
          '--graceful-shutdown-timeout <duration>',
          'on SIGTERM, how long cancelled reconciles may take to record their state before the process stops anyway',
        )
          .argParser(parseDurationFlag)
          .default(10_000, '10s'),
      )
      // Gardener's standard extension flags (extensions/pkg/controller/cmd): a chart or gardenlet
      // may pass any of them, so each is accepted; what each does here is in docs/operations.md.
      .option('--master <url>', "API server URL of the seed, overriding the kubeconfig's")
      .addOption(
        new Option('--controllers <names>', `controllers to run (${controllerNames.join(', ')})`)
          .argParser(parseControllers)
          .default([] as ControllerName[], 'all'),
      )
      .addOption(
        new Option('--disable-controllers <names>', 'controllers not to run')
          .argParser(parseControllers)
          .default([] as ControllerName[], 'none'),
      )
      .option(
        '--gardener-version <version>',
        'version of the Gardener that deploys the extension (informational)',
      )
      .addOption(
        boolOption(
          '--self-hosted-shoot-cluster',
          'the extension runs in a self-hosted shoot cluster (informational)',
          false,
        ),
      )
      .addOption(
        new Option('--leader-election-resource-lock <lock>', 'resource lock of the leader election')
          .choices(['leases'])
          .default('leases'),
      )
      .addOption(
        new Option(
          '--healthcheck-max-concurrent-reconciles <n>',
          'accepted for Gardener charts; the health monitor has no work queue to size',
        ).argParser(parsePositiveInteger),
      )
      .action(async (raw: RunOptions & { extensionMaxConcurrentReconciles?: number }, command: Command) => {
        const options: RunOptions = {
          ...raw,
          maxConcurrentReconciles: raw.extensionMaxConcurrentReconciles ?? raw.maxConcurrentReconciles,
          leaderElectionNamespace:
            nonEmpty(raw.leaderElectionNamespace) ?? (raw.leaderElection ? inClusterNamespace() : undefined),
          heartbeatNamespace: nonEmpty(raw.heartbeatNamespace) ?? inClusterNamespace(),
        };
        if (options.shootRequestTimeout >= options.reconcileTimeout) {
          command.error('error: --shoot-request-timeout must be shorter than --reconcile-timeout', {
            exitCode: 2,
            code: 'shoot-flux.shootRequestTimeout',
          });
        }
        if (options.shootConnectTimeout > options.shootRequestTimeout) {
          command.error('error: --shoot-connect-timeout must not exceed --shoot-request-timeout', {
            exitCode: 2,
            code: 'shoot-flux.shootConnectTimeout',
          });
        }
        if (!enabledControllers(options).includes('extension')) {
          command.error(
            'error: the extension controller cannot be disabled: it is the only work of this process; scale the Deployment to 0 instead',
            { exitCode: 2, code: 'shoot-flux.disableControllers' },
          );
        }
        if (options.leaderElection && !options.leaderElectionNamespace) {
          command.error(
            'error: --leader-election needs a namespace: pass --leader-election-namespace or set $LEADER_ELECTION_NAMESPACE',
            { exitCode: 2, code: 'shoot-flux.leaderElectionNamespace' },
          );
        }
        process.exitCode = await runController(options, createActuator, env);
      }),
  );
}

/** Runs the controller until SIGTERM/SIGINT (exit 0) or a fatal error such as lost leadership (exit 1). */
export async function runController(
  options: RunOptions,
  createActuator: RunActuatorFactory,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const logger: Logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    name: 'shoot-flux',
  });
  // The kubeconfig flag is a path, not a secret: logged under a key the redaction rule leaves alone.
  const { kubeconfig: kubeconfigPath, ...flags } = options;
  logger.info('Starting gardener-extension-shoot-flux', { flags: { ...flags, kubeconfigPath } });
  if (options.gardenerVersion !== undefined || options.selfHostedShootCluster) {
    logger.info('Gardener flags taken as information only', {
      gardenerVersion: options.gardenerVersion,
      selfHostedShootCluster: options.selfHostedShootCluster,
    });
  }
  const controllers = enabledControllers(options);
  const { kubeConfig, source } = loadKubeConfig({
    kubeconfigFlag: options.kubeconfig,
    kubeconfigEnv: env.KUBECONFIG,
    inClusterEnv: Boolean(env.KUBERNETES_SERVICE_HOST),
    masterUrl: options.master,
  });
  logger.info('Loaded seed kubeconfig', { source, controllers });
  const settings: ActuatorSettings = {
    gardenClusterIdentity: options.gardenClusterIdentity,
    fluxManifestsBases: parseManifestsBases(options.fluxManifestsBase),
    fluxManifestsChecksums: options.fluxManifestsChecksum,
    shootClientMode: env.GARDENER_SHOOT_CLIENT === 'external' ? 'external' : 'internal',
    reconcileTimeoutMs: options.reconcileTimeout,
    // `--disable-controllers=healthcheck` turns the health monitor off, as in Gardener.
    ...(controllers.includes('healthcheck')
      ? {
          healthCheck: {
            periodMs: options.healthCheckSyncPeriod,
            heartbeatMs: options.healthCheckHeartbeatPeriod,
            watch: options.healthCheckWatch,
          },
        }
      : {}),
    shootTimeouts: { connectMs: options.shootConnectTimeout, requestMs: options.shootRequestTimeout },
    landscape: buildLandscapePolicy(options, readImageVectorRegistry(env)),
    ...(options.maxConcurrentFluxUpgrades !== undefined
      ? { maxConcurrentFluxUpgrades: options.maxConcurrentFluxUpgrades }
      : {}),
  };
  const heartbeatNamespace = controllers.includes('heartbeat') ? options.heartbeatNamespace : undefined;
  if (!controllers.includes('heartbeat')) logger.info('Heartbeat controller disabled');
  else if (!heartbeatNamespace) logger.warn('No heartbeat namespace: heartbeat disabled');
  const manager = new Manager({
    kubeConfig,
    createActuator: (dependencies) => createActuator(settings, dependencies),
    logger: logger.named('manager'),
    extensionClasses: options.extensionClasses,
    ignoreOperationAnnotation: options.ignoreOperationAnnotation,
    maxConcurrentReconciles: options.maxConcurrentReconciles,
    reconcileTimeoutMs: options.reconcileTimeout,
    leaderElection:
      options.leaderElection && options.leaderElectionNamespace
        ? { namespace: options.leaderElectionNamespace, id: options.leaderElectionId }
        : undefined,
    heartbeat: heartbeatNamespace
      ? { namespace: heartbeatNamespace, renewIntervalSeconds: options.heartbeatRenewIntervalSeconds }
      : undefined,
    metricsBindAddress: options.metricsBindAddress,
    healthBindAddress: options.healthBindAddress,
    shutdownGracePeriodMs: options.gracefulShutdownTimeout,
  });
  let signalled = false;
  const stop = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second signal means "now": like controller-runtime, exit at once.
      logger.info('Received second signal, exiting immediately', { signal });
      process.exit(1);
    }
    signalled = true;
    logger.info('Received signal, shutting down', { signal });
    void manager.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  let code: number;
  try {
    await manager.start();
    await manager.done;
    code = 0;
  } catch (err) {
    logger.error('Controller failed', { error: err instanceof Error ? err.message : String(err) });
    await manager.stop();
    code = 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
  exitIfStillRunning(logger, code);
  return code;
}

/**
 * Every watch, socket and timer is closed once the manager stopped, so the process ends by
 * itself. Should something still hold the event loop, say what and exit anyway: a controller
 * that lingers with open connections until the kubelet kills it helps nobody.
 */
function exitIfStillRunning(logger: Logger, code: number): void {
  const timer = setTimeout(() => {
    logger.error('Still running after shutdown, exiting', {
      resources: process.getActiveResourcesInfo().filter((r) => r !== 'Timeout'),
    });
    process.exit(code);
  }, 5_000);
  // Only a process that would otherwise not end waits for this timer.
  timer.unref();
}
