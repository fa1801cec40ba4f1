import type { KubeConfig } from '@kubernetes/client-node';
import type { Actuator } from '../../src/controller/actuator.js';
import {
  createControllerManager,
  createShootFluxActuator,
  type ActuatorSettings,
} from '../../src/controller/composition.js';
import type { Manager, ManagerOptions } from '../../src/controller/manager.js';
import type { ShootFluxActuator } from '../../src/controller/shoot-flux/actuator.js';
import { discardLogger, type Logger } from '../../src/log/logger.js';

/** Options of {@link startTestManager}. */
export interface TestManagerOptions {
  /** The seed. */
  kubeConfig: KubeConfig;
  /**
   * The actuator: a test's own (for the generic machinery), or, when absent, the shoot-flux
   * actuator exactly as the composition root wires it for production, with `shootFlux` as its
   * settings.
   */
  actuator?: Actuator;
  /** Settings of the shoot-flux actuator; those not given are the tests' defaults. */
  shootFlux?: Partial<ActuatorSettings>;
  /** Gets the shoot-flux actuator the composition root built, for tests that inspect it. */
  onShootFluxActuator?: (actuator: ShootFluxActuator) => void;
  /** Manager options that differ from the tests' defaults (`extensionType` above all). */
  manager?: Partial<Omit<ManagerOptions, 'kubeConfig' | 'createActuator'>>;
  logger?: Logger;
}

/**
 * Starts a manager the way the tests and the benches need one: built by the composition root
 * (`createControllerManager`) with the production shoot-flux actuator (or a given actuator), no
 * listeners, no default process metrics (several managers share a process), a short informer
 * backoff, and one reconcile timeout for manager and actuator. The one place tests and benches
 * wire a Manager.
 */
export async function startTestManager(options: TestManagerOptions): Promise<Manager> {
  const reconcileTimeoutMs =
    options.manager?.reconcileTimeoutMs ?? options.shootFlux?.reconcileTimeoutMs ?? 40_000;
  const { actuator, onShootFluxActuator } = options;
  const manager = createControllerManager({
    kubeConfig: options.kubeConfig,
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
    actuator: {
      gardenClusterIdentity: 'garden-it',
      fluxManifestsBases: [],
      shootClientMode: 'internal',
      ...options.shootFlux,
      reconcileTimeoutMs,
    },
    createActuator: (settings, dependencies) => {
      if (actuator) return actuator;
      const built = createShootFluxActuator(settings, dependencies);
      onShootFluxActuator?.(built);
      return built;
    },
  });
  await manager.start();
  return manager;
}
