import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Actuator, ActuatorContext } from '../../../src/controller/actuator.js';
import type { Manager, ManagerOptions } from '../../../src/controller/manager.js';
import { Gardenlet } from '../../harness/gardenlet.js';
import { startTestManager } from '../../harness/test-manager.js';

/** What the recording actuator saw: one entry per call. */
export interface ActuatorCall {
  method: keyof Actuator;
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  hasCluster: boolean;
}

/**
 * A small actuator for tests of the generic machinery: it records calls and runs a per-test
 * behaviour. It plays the domain code, never the Kubernetes API (the API server is real).
 */
export class RecordingActuator implements Actuator {
  readonly calls: ActuatorCall[] = [];
  behaviour: (method: keyof Actuator, context: ActuatorContext) => Promise<void> = () => Promise.resolve();

  private async record(method: keyof Actuator, context: ActuatorContext): Promise<void> {
    this.calls.push({
      method,
      name: context.extension.metadata.name,
      namespace: context.extension.metadata.namespace ?? '',
      annotations: { ...(context.extension.metadata.annotations ?? {}) },
      hasCluster: context.cluster !== undefined,
    });
    await this.behaviour(method, context);
  }

  reconcile(context: ActuatorContext): Promise<void> {
    return this.record('reconcile', context);
  }
  delete(context: ActuatorContext): Promise<void> {
    return this.record('delete', context);
  }
  forceDelete(context: ActuatorContext): Promise<void> {
    return this.record('forceDelete', context);
  }
  migrate(context: ActuatorContext): Promise<void> {
    return this.record('migrate', context);
  }
  restore(context: ActuatorContext): Promise<void> {
    return this.record('restore', context);
  }
}

/** A unique Extension type per test, so parallel tests' managers never see each other's objects. */
export function uniqueType(): string {
  return `shoot-flux-it-${randomBytes(3).toString('hex')}`;
}

/**
 * Starts a manager around a test's own actuator with defaults for the generic machinery: two
 * workers, a short shutdown grace period and informer backoff.
 */
export async function startManager(
  kubeConfig: KubeConfig,
  actuator: Actuator,
  options: Partial<ManagerOptions> & { extensionType: string },
): Promise<Manager> {
  return startTestManager({
    kubeConfig,
    actuator,
    manager: {
      maxConcurrentReconciles: 2,
      reconcileTimeoutMs: 30_000,
      shutdownGracePeriodMs: 2_000,
      informerBackoffMs: [50, 500],
      ...options,
    },
  });
}

/** The smallest Shoot a Cluster of the generic tests carries; `overrides` replace top-level fields. */
export function buildMinimalShoot(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Shoot',
    metadata: { name: 's', namespace: 'garden-it' },
    ...overrides,
  };
}

/**
 * A gardenlet for one fresh seed namespace serving Extensions of `type`, its namespace already
 * created; it is added to `created` for the caller to remove after the test.
 */
export async function createGardenlet(
  kubeConfig: KubeConfig,
  type: string,
  created: Gardenlet[],
  prefix = 'shoot--it',
): Promise<Gardenlet> {
  const gardenlet = new Gardenlet(kubeConfig, {
    extensionType: type,
    namespace: `${prefix}--${randomBytes(4).toString('hex')}`,
  });
  created.push(gardenlet);
  await gardenlet.createNamespace();
  return gardenlet;
}
