import type { LandscapeFluxPolicy } from '../../../src/api/landscape-policy.js';
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { createShootFluxActuator, type HealthCheckSettings } from '../../../src/controller/composition.js';
import { Manager } from '../../../src/controller/manager.js';
import type { Extension } from '../../../src/gardener/types.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import { discardLogger, type Logger } from '../../../src/log/logger.js';
import { createLogger } from '../../../src/log/winston-logger.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootObject,
  makeFluxManifestsBase,
} from '../../harness/gardener-objects.js';
import { startKubelet, type Kubelet } from '../../harness/kubelet.js';
import { clusterKubeConfig, createTestNamespace, shootAccessKubeconfig } from '../support/clusters.js';
import { expect } from 'vitest';

/**
 * A manager running the real shoot-flux actuator against the run's seed, as `run` wires it.
 * Test files run in parallel against one seed: a file that starts its own manager gives it an
 * `extensionType` of its own (and its Gardenlets the same), so no two managers reconcile the same
 * Extension.
 */
export async function startShootFluxManager(
  options: {
    reconcileTimeoutMs?: number;
    ignoreOperationAnnotation?: boolean;
    extensionType?: string;
    logger?: Logger;
    /** Day-2 health checks; off unless given, so other files see only the bootstrap's conditions. */
    healthCheck?: HealthCheckSettings;
    landscape?: LandscapeFluxPolicy;
    /** Extra `--flux-manifests-base` directories, searched after the test bundles. */
    extraFluxManifestsBases?: string[];
    maxConcurrentFluxUpgrades?: number;
    now?: () => Date;
  } = {},
): Promise<Manager> {
  const base = await makeFluxManifestsBase();
  const manager = new Manager({
    kubeConfig: clusterKubeConfig('seed'),
    createActuator: (dependencies) =>
      createShootFluxActuator(
        {
          gardenClusterIdentity: 'garden-it',
          fluxManifestsBases: [base, ...(options.extraFluxManifestsBases ?? [])],
          shootClientMode: 'internal',
          reconcileTimeoutMs: options.reconcileTimeoutMs ?? 40_000,
          ...(options.healthCheck ? { healthCheck: options.healthCheck } : {}),
          ...(options.landscape ? { landscape: options.landscape } : {}),
          ...(options.maxConcurrentFluxUpgrades !== undefined
            ? { maxConcurrentFluxUpgrades: options.maxConcurrentFluxUpgrades }
            : {}),
          ...(options.now ? { now: options.now } : {}),
        },
        dependencies,
      ),
    logger:
      options.logger ??
      (process.env.SHOOT_FLUX_TEST_LOGS
        ? createLogger({ level: 'debug', format: 'text', name: 'it' })
        : discardLogger),
    ...(options.extensionType ? { extensionType: options.extensionType } : {}),
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

/** What a test may vary of the Shoot in the Cluster. */
interface ShootOverrides {
  resources?: unknown[];
  hibernated?: boolean;
  kubernetesVersion?: string;
}

/** The clusters a Gardenlet works on. */
export interface TestClusters {
  seed: KubeConfig;
  shoot: KubeConfig;
  /** The shoot's kubeconfig as its `gardener` access secret holds it (CA inlined). */
  shootAccessKubeconfig: string;
}

/** Plays gardenlet for one shoot: namespace, Cluster, access secret, referenced secrets, Extension. */
export class Gardenlet {
  readonly seed: KubeConfig;
  readonly shoot: KubeConfig;
  readonly seedCore: CoreV1Api;
  readonly seedCustom: CustomObjectsApi;
  readonly shootCore: CoreV1Api;
  readonly shootCustom: CustomObjectsApi;
  private readonly shootAccessKubeconfig: string;
  namespace = '';
  /** A Flux namespace unique to this test: all tests share one shoot API server. */
  readonly fluxNamespace = `flux-${randomBytes(3).toString('hex')}`;

  /**
   * `extensionType`: the type of the Extensions it creates. `clusters`: the run's seed and shoot,
   * or a file's own: a file whose controllers act beyond their own Extensions (the built CLI
   * serves every `shoot-flux` Extension of its seed) must not share the run's clusters.
   */
  constructor(
    readonly extensionType = 'shoot-flux',
    clusters: TestClusters = {
      seed: clusterKubeConfig('seed'),
      shoot: clusterKubeConfig('shoot'),
      shootAccessKubeconfig: shootAccessKubeconfig(),
    },
  ) {
    this.seed = clusters.seed;
    this.shoot = clusters.shoot;
    this.seedCore = clusters.seed.makeApiClient(CoreV1Api);
    this.seedCustom = clusters.seed.makeApiClient(CustomObjectsApi);
    this.shootCore = clusters.shoot.makeApiClient(CoreV1Api);
    this.shootCustom = clusters.shoot.makeApiClient(CustomObjectsApi);
    this.shootAccessKubeconfig = clusters.shootAccessKubeconfig;
  }

  async createShoot(shootOverrides: ShootOverrides = {}): Promise<void> {
    this.namespace = await createTestNamespace(this.seed);
    await this.writeCluster(shootOverrides);
    await this.writeSecret('gardener', { kubeconfig: this.shootAccessKubeconfig });
  }

  async writeCluster(shootOverrides: ShootOverrides = {}): Promise<void> {
    const body = buildClusterObject(
      this.namespace,
      buildShootObject(this.namespace, {
        name: 'my-shoot',
        projectNamespace: 'garden-it',
        resources: shootOverrides.resources,
        hibernated: shootOverrides.hibernated,
        kubernetesVersion: shootOverrides.kubernetesVersion,
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
      body: buildExtensionObject({ providerConfig, type: this.extensionType }),
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

/** The Shoot resources the shoot-flux tests reference: Git credentials and one extra secret. */
export const testShootResources = [
  { name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-basic-auth' } },
  { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
];

/** A GitRepository bootstrap with its credentials and one additional secret; `overrides` replace top-level fields. */
export function gitConfig(fluxNamespace: string, overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    flux: { namespace: fluxNamespace },
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: 'https://git.example.com/org/repo.git', ref: { branch: 'main' } },
      },
      secretResourceName: 'git-credentials',
    },
    kustomization: { template: { spec: { path: './clusters/shoot' } } },
    additionalSecretResources: [{ name: 'extra' }],
    ...overrides,
  };
}

/**
 * A shoot bootstrapped to the end (the test plays gardenlet, the kubelet and Flux): the seed
 * copies of the referenced secrets, the Extension with `config` (default gitConfig), source and
 * Kustomization marked Ready. The started kubelet is added to `kubelets` for the caller to stop;
 * `extensionType` as for startShootFluxManager.
 */
export async function bootstrapTestShoot(
  kubelets: Kubelet[],
  config?: (fluxNamespace: string) => unknown,
  extensionType?: string,
): Promise<Gardenlet> {
  const gardenlet = new Gardenlet(extensionType);
  const ns = gardenlet.fluxNamespace;
  await gardenlet.createShoot({ resources: testShootResources });
  await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 's3cret' });
  await gardenlet.writeSecret('ref-extra-secret', { token: 'extra' });
  kubelets.push(await startKubelet(gardenlet.shoot, ns));
  await gardenlet.createExtension(config ? config(ns) : gitConfig(ns));
  await expect
    .poll(() => gardenlet.shootObject('source.toolkit.fluxcd.io', 'gitrepositories', ns, 'flux-system'))
    .toBeDefined();
  await gardenlet.setFluxStatus('gitrepositories', 'flux-system', ns, readyCondition);
  await expect
    .poll(() => gardenlet.shootObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'))
    .toBeDefined();
  await gardenlet.setFluxStatus('kustomizations', 'flux-system', ns, readyCondition);
  await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
  return gardenlet;
}

/** A GitRepository without credentials and nothing else to sync. */
export function publicGitConfig(fluxNamespace: string) {
  return gitConfig(fluxNamespace, {
    additionalSecretResources: [],
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' } },
      },
    },
  });
}
