import { parseManifestsBases } from '../flux/bundle-locations.js';
import {
  createControllerManager,
  type ActuatorSettings,
  type RunActuatorFactory,
} from '../controller/composition.js';
import { AgentPool } from '../kube/agent-pool.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import { withRateLimit } from '../kube/rate-limit.js';
import type { Logger } from '../log/logger.js';
import { createLogger } from '../log/winston-logger.js';
import { buildLandscapePolicy, readImageVectorRegistry } from './landscape-flags.js';
import { enabledControllers, type RunOptions } from './run-flags.js';

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
  // One pool of keep-alive agents for the seed and every shoot: connections with equal TLS
  // settings share sockets instead of a TLS handshake per request.
  const connections = new AgentPool();
  const { kubeConfig, source } = loadKubeConfig({
    agents: connections,
    kubeconfigFlag: options.kubeconfig,
    kubeconfigEnv: env.KUBECONFIG,
    inClusterEnv: Boolean(env.KUBERNETES_SERVICE_HOST),
    serviceHost: env.KUBERNETES_SERVICE_HOST,
    servicePort: env.KUBERNETES_SERVICE_PORT,
    masterUrl: options.master,
  });
  logger.info('Loaded seed kubeconfig', { source, controllers });
  // Every request to the seed (reads, lists, watches, writes) takes a token of one bucket.
  const seedConfig = withRateLimit(kubeConfig, { qps: options.kubeApiQps, burst: options.kubeApiBurst });
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
    maxConcurrentFluxUpgrades: options.maxConcurrentFluxUpgrades,
    connections,
  };
  const heartbeatNamespace = controllers.includes('heartbeat') ? options.heartbeatNamespace : undefined;
  if (!controllers.includes('heartbeat')) logger.info('Heartbeat controller disabled');
  else if (!heartbeatNamespace) logger.warn('No heartbeat namespace: heartbeat disabled');
  const manager = createControllerManager({
    kubeConfig: seedConfig,
    actuator: settings,
    createActuator,
    logger: logger.named('manager'),
    extensionClasses: options.extensionClasses,
    ignoreOperationAnnotation: options.ignoreOperationAnnotation,
    maxConcurrentReconciles: options.maxConcurrentReconciles,
    reconcileTimeoutMs: options.reconcileTimeout,
    resyncMs: options.resyncPeriod,
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
    // Idle keep-alive sockets do not hold the process, but nothing is left open on purpose.
    connections.destroy();
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
