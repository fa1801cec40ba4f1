import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { createShootFluxActuator } from '../../../src/cli/commands/run.js';
import { Manager } from '../../../src/controller/manager.js';
import type { Extension } from '../../../src/gardener/types.js';
import { discardLogger } from '../../../src/log/logger.js';
import { createLogger } from '../../../src/log/winston-logger.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootObject,
  makeFluxManifestsBase,
} from '../../harness/gardener-objects.js';
import { clusterKubeConfig, createTestNamespace, shootAccessKubeconfig } from '../support/clusters.js';

/** A manager running the real shoot-flux actuator against the run's seed, as `run` wires it. */
export async function startShootFluxManager(
  options: { reconcileTimeoutMs?: number; ignoreOperationAnnotation?: boolean } = {},
): Promise<Manager> {
  const base = await makeFluxManifestsBase();
  const manager = new Manager({
    kubeConfig: clusterKubeConfig('seed'),
    createActuator: (dependencies) =>
      createShootFluxActuator(
        {
          gardenClusterIdentity: 'garden-it',
          fluxManifestsBases: [base],
          shootClientMode: 'internal',
          reconcileTimeoutMs: options.reconcileTimeoutMs ?? 40_000,
        },
        dependencies,
      ),
    logger: process.env.SHOOT_FLUX_TEST_LOGS
      ? createLogger({ level: 'debug', format: 'text', name: 'it' })
      : discardLogger,
    extensionClasses: [],
    ignoreOperationAnnotation: options.ignoreOperationAnnotation ?? false,
    maxConcurrentReconciles: 5,
    reconcileTimeoutMs: options.reconcileTimeoutMs ?? 40_000,
    metricsBindAddress: '0',
    healthBindAddress: '0',
    defaultMetrics: false,
    informerBackoffMs: [50, 1000],
  });
  await manager.start();
  return manager;
}

/** Plays gardenlet for one shoot: namespace, Cluster, access secret, referenced secrets, Extension. */
export class Gardenlet {
  readonly seed = clusterKubeConfig('seed');
  readonly shoot: KubeConfig = clusterKubeConfig('shoot');
  readonly seedCore = this.seed.makeApiClient(CoreV1Api);
  readonly seedCustom = this.seed.makeApiClient(CustomObjectsApi);
  readonly shootCore = this.shoot.makeApiClient(CoreV1Api);
  readonly shootCustom = this.shoot.makeApiClient(CustomObjectsApi);
  namespace = '';
  /** A Flux namespace unique to this test: all tests share one shoot API server. */
  readonly fluxNamespace = `flux-${randomBytes(3).toString('hex')}`;

  async createShoot(shootOverrides: { resources?: unknown[]; hibernated?: boolean } = {}): Promise<void> {
    this.namespace = await createTestNamespace(this.seed);
    await this.writeCluster(shootOverrides);
    await this.writeSecret('gardener', { kubeconfig: shootAccessKubeconfig() });
  }

  async writeCluster(shootOverrides: { resources?: unknown[]; hibernated?: boolean } = {}): Promise<void> {
    const body = buildClusterObject(
      this.namespace,
      buildShootObject(this.namespace, {
        name: 'my-shoot',
        projectNamespace: 'garden-it',
        resources: shootOverrides.resources,
        hibernated: shootOverrides.hibernated,
        clusterIdentity: 'shoot-identity',
      }),
    );
    await this.seedCustom.patchClusterCustomObject(
      {
        group: 'extensions.gardener.cloud',
        version: 'v1alpha1',
        plural: 'clusters',
        name: this.namespace,
        body,
        fieldManager: 'gardenlet',
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }

  /** A secret in the seed namespace (data given as plain strings). */
  async writeSecret(name: string, data: Record<string, string>, type = 'Opaque'): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: this.namespace },
      type,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    try {
      await this.seedCore.deleteNamespacedSecret({ name, namespace: this.namespace });
    } catch {
      // not there yet
    }
    await this.seedCore.createNamespacedSecret({ namespace: this.namespace, body });
  }

  async createExtension(providerConfig: unknown): Promise<void> {
    await this.seedCustom.createNamespacedCustomObject({
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      namespace: this.namespace,
      plural: 'extensions',
      body: buildExtensionObject({ providerConfig }),
    });
  }

  /** Merge-patches the Extension, like gardenlet does on every shoot reconcile. */
  async patchExtension(patch: Record<string, unknown>): Promise<void> {
    await this.seedCustom.patchNamespacedCustomObject(
      {
        group: 'extensions.gardener.cloud',
        version: 'v1alpha1',
        namespace: this.namespace,
        plural: 'extensions',
        name: 'shoot-flux',
        body: patch,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Asks for a reconcile, as gardenlet does. */
  async annotate(operation = 'reconcile'): Promise<void> {
    await this.patchExtension({
      metadata: {
        annotations: {
          'gardener.cloud/operation': operation,
          'gardener.cloud/timestamp': new Date().toISOString(),
        },
      },
    });
  }

  async extension(): Promise<Extension> {
    return (await this.seedCustom.getNamespacedCustomObject({
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      namespace: this.namespace,
      plural: 'extensions',
      name: 'shoot-flux',
    })) as Extension;
  }

  /**
   * Records every `lastOperation` the Extension shows from now on (a watch, so no write is
   * missed between two reads); `stop` ends the watch.
   */
  async recordLastOperations(): Promise<{
    seen: { state?: string; description?: string }[];
    stop: () => void;
  }> {
    const seen: { state?: string; description?: string }[] = [];
    const controller = await new Watch(this.seed).watch(
      `/apis/extensions.gardener.cloud/v1alpha1/namespaces/${this.namespace}/extensions`,
      { fieldSelector: 'metadata.name=shoot-flux' },
      (_phase: string, object: Extension) => {
        const last = object.status?.lastOperation;
        if (last) seen.push({ state: last.state, description: last.description });
      },
      () => undefined,
    );
    return {
      seen,
      stop: () => {
        controller.abort();
      },
    };
  }

  async events(): Promise<{ reason?: string; type?: string; message?: string }[]> {
    const list = await this.seedCore.listNamespacedEvent({ namespace: this.namespace });
    return list.items.map((e) => ({ reason: e.reason, type: e.type, message: e.message }));
  }

  /** Plays Flux: marks a source or Kustomization Ready (or anything else) for its generation. */
  async setFluxStatus(
    plural: 'gitrepositories' | 'ocirepositories' | 'kustomizations',
    name: string,
    namespace: string,
    conditions: { type: string; status: string; reason: string; message: string }[],
    observe = true,
  ): Promise<void> {
    const group = plural === 'kustomizations' ? 'kustomize.toolkit.fluxcd.io' : 'source.toolkit.fluxcd.io';
    const object = (await this.shootCustom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural,
      name,
    })) as { metadata: { generation: number } };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.shootCustom.patchNamespacedCustomObjectStatus(
      {
        group,
        version: 'v1',
        namespace,
        plural,
        name,
        body: {
          status: {
            ...(observe ? { observedGeneration: object.metadata.generation } : {}),
            conditions: conditions.map((c) => ({
              ...c,
              lastTransitionTime: now,
              observedGeneration: observe ? object.metadata.generation : 0,
            })),
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async shootObject(group: string, plural: string, namespace: string, name: string): Promise<unknown> {
    try {
      return await this.shootCustom.getNamespacedCustomObject({
        group,
        version: 'v1',
        namespace,
        plural,
        name,
      });
    } catch {
      return undefined;
    }
  }
}

/** `Ready=True` as source- and kustomize-controller write it. */
export const readyCondition = [
  { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored artifact' },
];
