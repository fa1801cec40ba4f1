import type { KubeConfig } from '@kubernetes/client-node';
import { createShootFluxActuator, type ActuatorSettings } from '../../src/cli/commands/run.js';
import type { Actuator } from '../../src/controller/actuator.js';
import { Manager, type ManagerOptions } from '../../src/controller/manager.js';
import { discardLogger, type Logger } from '../../src/log/logger.js';

/** Options of {@link startTestManager}. */
export interface TestManagerOptions {
  /** The seed. */
  kubeConfig: KubeConfig;
  /**
   * The actuator: a test's own (for the generic machinery), or, when absent, the shoot-flux
   * actuator exactly as production wires it, with `shootFlux` as its settings.
   */
  actuator?: Actuator;
  /** Settings of the shoot-flux actuator; those not given are the tests' defaults. */
  shootFlux?: Partial<ActuatorSettings>;
  /** Manager options that differ from the tests' defaults (`extensionType` above all). */
  manager?: Partial<Omit<ManagerOptions, 'kubeConfig' | 'createActuator'>>;
  logger?: Logger;
}

/**
 * Starts a manager the way the tests and the benches need one: the production wiring of the
 * shoot-flux actuator (or a given actuator), no listeners, no default process metrics (several
 * managers share a process), a short informer backoff, and the reconcile timeout shared by
 * manager and actuator. The one place tests and benches wire a Manager.
 */
export async function startTestManager(options: TestManagerOptions): Promise<Manager> {
  const reconcileTimeoutMs =
    options.manager?.reconcileTimeoutMs ?? options.shootFlux?.reconcileTimeoutMs ?? 40_000;
  const settings: ActuatorSettings = {
    gardenClusterIdentity: 'garden-it',
    fluxManifestsBases: [],
    shootClientMode: 'internal',
    ...options.shootFlux,
    reconcileTimeoutMs,
  };
  const { actuator } = options;
  const manager = new Manager({
    kubeConfig: options.kubeConfig,
    createActuator: (dependencies) => actuator ?? createShootFluxActuator(settings, dependencies),
    logger: options.logger ?? discardLogger,
    extensionClasses: [],
    ignoreOperationAnnotation: false,
    maxConcurrentReconciles: 5,
    metricsBindAddress: '0',
    healthBindAddress: '0',
    defaultMetrics: false,
    informerBackoffMs: [50, 1000],
    ...options.manager,
    reconcileTimeoutMs,
  });
  await manager.start();
  return manager;
}
