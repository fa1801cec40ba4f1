import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Actuator, ActuatorContext } from '../../../src/controller/actuator.js';
import { Manager, type ManagerOptions } from '../../../src/controller/manager.js';
import type { Extension } from '../../../src/gardener/types.js';
import { discardLogger } from '../../../src/log/logger.js';
import { buildClusterObject, buildExtensionObject } from '../../harness/gardener-objects.js';

const group = 'extensions.gardener.cloud';
const version = 'v1alpha1';

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

/** Starts a manager with test-friendly defaults (no listeners, fast informer backoff). */
export async function startManager(
  kubeConfig: KubeConfig,
  actuator: Actuator,
  options: Partial<ManagerOptions> & { extensionType: string },
): Promise<Manager> {
  const manager = new Manager({
    kubeConfig,
    createActuator: () => actuator,
    logger: discardLogger,
    extensionClasses: [],
    ignoreOperationAnnotation: false,
    maxConcurrentReconciles: 2,
    reconcileTimeoutMs: 30_000,
    metricsBindAddress: '0',
    healthBindAddress: '0',
    shutdownGracePeriodMs: 2_000,
    informerBackoffMs: [50, 500],
    defaultMetrics: false,
    ...options,
  });
  await manager.start();
  return manager;
}

/** Plays gardenlet: writes Clusters and Extensions and their annotations. */
export class Gardenlet {
  readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async createCluster(namespace: string, shoot: Record<string, unknown> = {}): Promise<void> {
    await this.custom.createClusterCustomObject({
      group,
      version,
      plural: 'clusters',
      body: buildClusterObject(namespace, {
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'Shoot',
        metadata: { name: 's', namespace: 'garden-it' },
        ...shoot,
      }),
    });
  }

  async patchCluster(namespace: string, body: Record<string, unknown>): Promise<void> {
    await this.custom.patchClusterCustomObject(
      { group, version, plural: 'clusters', name: namespace, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async createExtension(
    namespace: string,
    type: string,
    extra: { annotations?: Record<string, string>; class?: string; providerConfig?: unknown } = {},
  ): Promise<Extension> {
    return (await this.custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'extensions',
      body: buildExtensionObject({ type, ...extra }),
    })) as Extension;
  }

  async patchExtension(namespace: string, body: Record<string, unknown>): Promise<Extension> {
    return (await this.custom.patchNamespacedCustomObject(
      { group, version, namespace, plural: 'extensions', name: 'shoot-flux', body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Extension;
  }

  async patchExtensionStatus(namespace: string, status: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural: 'extensions', name: 'shoot-flux', body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Annotates like gardenlet: the operation plus a fresh timestamp. */
  async annotate(namespace: string, operation: string): Promise<void> {
    await this.patchExtension(namespace, {
      metadata: {
        annotations: {
          'gardener.cloud/operation': operation,
          'gardener.cloud/timestamp': new Date().toISOString(),
        },
      },
    });
  }

  async readExtension(namespace: string): Promise<Extension | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group,
        version,
        namespace,
        plural: 'extensions',
        name: 'shoot-flux',
      })) as Extension;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async deleteExtension(namespace: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'extensions',
      name: 'shoot-flux',
    });
  }
}
