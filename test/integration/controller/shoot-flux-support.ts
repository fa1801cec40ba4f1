import type { LandscapeFluxPolicy } from '../../../src/api/landscape-policy.js';
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { HealthCheckSettings } from '../../../src/controller/composition.js';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import type { Logger } from '../../../src/log/logger.js';
import { createLogger } from '../../../src/log/winston-logger.js';
import { fluxReadyConditions, FluxPlayer } from '../../harness/flux-player.js';
import { Gardenlet } from '../../harness/gardenlet.js';
import { buildShootObject, makeFluxManifestsBase, type ShootFacts } from '../../harness/gardener-objects.js';
import { startKubelet, type Kubelet } from '../../harness/kubelet.js';
import { removeNamespace } from '../../harness/namespace-removal.js';
import { startTestManager } from '../../harness/test-manager.js';
import { buildGitFluxConfig } from '../../harness/flux-configs.js';
import { clusterKubeConfig, shootAccessKubeconfig } from '../support/clusters.js';
import { afterEach, expect } from 'vitest';

/**
 * A manager running the real shoot-flux actuator against the run's seed, as `run` wires it.
 * Test files run in parallel against one seed: a file that starts its own manager gives it an
 * `extensionType` of its own (and its test shoots the same), so no two managers reconcile the
 * same Extension.
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
    /** Requeue after a successful reconcile (default Gardener's 60m). */
    resyncMs?: number;
  } = {},
): Promise<Manager> {
  return startTestManager({
    kubeConfig: clusterKubeConfig('seed'),
    shootFlux: {
      fluxManifestsBases: [await makeFluxManifestsBase(), ...(options.extraFluxManifestsBases ?? [])],
      ...(options.maxConcurrentFluxUpgrades !== undefined
        ? { maxConcurrentFluxUpgrades: options.maxConcurrentFluxUpgrades }
        : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.reconcileTimeoutMs ? { reconcileTimeoutMs: options.reconcileTimeoutMs } : {}),
      ...(options.healthCheck ? { healthCheck: options.healthCheck } : {}),
      ...(options.landscape ? { landscape: options.landscape } : {}),
    },
    manager: {
      ...(options.extensionType ? { extensionType: options.extensionType } : {}),
      ignoreOperationAnnotation: options.ignoreOperationAnnotation ?? false,
      ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    },
    logger:
      options.logger ??
      (process.env.SHOOT_FLUX_TEST_LOGS
        ? createLogger({ level: 'debug', format: 'text', name: 'it' })
        : undefined),
  });
}

/** What a test may vary of the Shoot in the Cluster. */
interface ShootOverrides {
  resources?: unknown[];
  hibernated?: boolean;
  kubernetesVersion?: string;
}

/** The Shoot of every test shoot, with what the test varies. */
function buildTestShootFacts(overrides: ShootOverrides): ShootFacts {
  return {
    name: 'my-shoot',
    projectNamespace: 'garden-it',
    resources: overrides.resources,
    hibernated: overrides.hibernated,
    kubernetesVersion: overrides.kubernetesVersion,
    clusterIdentity: 'shoot-identity',
  };
}

/** The clusters a test shoot lives on. */
export interface TestClusters {
  seed: KubeConfig;
  shoot: KubeConfig;
  /** The shoot's kubeconfig as its `gardener` access secret holds it (CA inlined). */
  shootAccessKubeconfig: string;
}

/**
 * One shoot of a test: gardenlet's side in the seed ({@link Gardenlet}), a Flux namespace of its
 * own in the shoot (all tests share one shoot API server) with the Flux player and a kubelet
 * stand-in for it. {@link TestShoot.remove} removes all of it again, from both clusters.
 */
export class TestShoot extends Gardenlet {
  readonly shoot: KubeConfig;
  readonly shootCore: CoreV1Api;
  readonly shootCustom: CustomObjectsApi;
  /** Plays source- and kustomize-controller in the shoot. */
  readonly flux: FluxPlayer;
  /** A Flux namespace unique to this test: all tests share one shoot API server. */
  readonly fluxNamespace = `flux-${randomBytes(3).toString('hex')}`;
  /** More shoot namespaces the test created, removed with the shoot. */
  readonly shootNamespaces: string[] = [];
  private readonly kubelets: Kubelet[] = [];

  /**
   * `extensionType`: the type of the Extensions it creates. `clusters`: the run's seed and shoot,
   * or a file's own: a file whose controllers act beyond their own Extensions (the built CLI
   * serves every `shoot-flux` Extension of its seed) must not share the run's clusters.
   */
  constructor(
    extensionType = 'shoot-flux',
    clusters: TestClusters = {
      seed: clusterKubeConfig('seed'),
      shoot: clusterKubeConfig('shoot'),
      shootAccessKubeconfig: shootAccessKubeconfig(),
    },
  ) {
    super(clusters.seed, { extensionType, shootAccessKubeconfig: clusters.shootAccessKubeconfig });
    this.shoot = clusters.shoot;
    this.shootCore = clusters.shoot.makeApiClient(CoreV1Api);
    this.shootCustom = clusters.shoot.makeApiClient(CustomObjectsApi);
    this.flux = new FluxPlayer(clusters.shoot);
  }

  /** The seed namespace, Cluster (project `garden-it`, shoot `my-shoot`) and access secret. */
  override async createShoot(overrides: ShootOverrides = {}): Promise<void> {
    await super.createShoot(buildTestShootFacts(overrides));
  }

  /** Writes the Cluster again with a changed Shoot, as gardenlet does when the Shoot changes. */
  async updateShoot(overrides: ShootOverrides = {}): Promise<void> {
    await this.writeCluster(buildShootObject(this.namespace, buildTestShootFacts(overrides)));
  }

  /** Starts a kubelet stand-in for the Flux namespace; it stops when the shoot is removed. */
  async startKubelet(): Promise<Kubelet> {
    const kubelet = await startKubelet(this.shoot, this.fluxNamespace);
    this.kubelets.push(kubelet);
    return kubelet;
  }

  /** Stops the kubelet stand-ins: from now on the test plays the kubelet by hand. */
  async stopKubelets(): Promise<void> {
    for (const kubelet of this.kubelets.splice(0)) await kubelet.stop();
  }

  /**
   * Removes the shoot from both clusters: the seed side (see {@link Gardenlet.remove}), the
   * Flux namespace with everything in it and the cluster-scoped objects of its Flux install
   * (labelled with its namespace as instance), and the shoot namespaces the test added.
   */
  override async remove(): Promise<void> {
    await this.stopKubelets();
    await super.remove();
    const rbac = this.shoot.makeApiClient(RbacAuthorizationV1Api);
    const labelSelector = `app.kubernetes.io/instance=${this.fluxNamespace}`;
    await rbac.deleteCollectionClusterRoleBinding({ labelSelector });
    await rbac.deleteCollectionClusterRole({ labelSelector });
    for (const namespace of [this.fluxNamespace, ...this.shootNamespaces]) {
      await removeNamespace(this.shoot, namespace);
    }
  }
}

/**
 * The test shoots of a test file (or describe block): each test's shoots are removed after it,
 * from seed and shoot, kubelet stand-ins stopped. Call it where `afterEach` belongs.
 */
export function useTestShoots(): {
  /** A test shoot (nothing written yet). */
  create: (extensionType?: string, clusters?: TestClusters) => TestShoot;
  /** {@link bootstrapTestShoot} of a shoot removed after the test. */
  bootstrap: (config?: (fluxNamespace: string) => unknown, extensionType?: string) => Promise<TestShoot>;
} {
  const shoots: TestShoot[] = [];
  afterEach(async () => {
    for (const shoot of shoots.splice(0)) await shoot.remove();
  });
  const create = (extensionType?: string, clusters?: TestClusters) => {
    const shoot = new TestShoot(extensionType, clusters);
    shoots.push(shoot);
    return shoot;
  };
  return {
    create,
    bootstrap: (config, extensionType) => bootstrapTestShoot(create(extensionType), config),
  };
}

/** The Shoot resources the shoot-flux tests reference: Git credentials and one extra secret. */
export const testShootResources = [
  { name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-basic-auth' } },
  { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
];

/** A GitRepository bootstrap with its credentials and one additional secret; `overrides` replace top-level fields. */
export function gitConfig(fluxNamespace: string, overrides: Record<string, unknown> = {}) {
  return {
    ...buildGitFluxConfig({
      url: 'https://git.example.com/org/repo.git',
      fluxNamespace,
      secretResourceName: 'git-credentials',
      additionalSecretResources: [{ name: 'extra' }],
    }),
    ...overrides,
  };
}

/**
 * Bootstraps `gardenlet`'s shoot to the end (the test plays gardenlet, the kubelet and Flux):
 * the seed copies of the referenced secrets, a kubelet stand-in, the Extension with `config`
 * (default gitConfig), source and Kustomization marked Ready; resolves with the shoot.
 */
export async function bootstrapTestShoot(
  gardenlet: TestShoot,
  config?: (fluxNamespace: string) => unknown,
): Promise<TestShoot> {
  const ns = gardenlet.fluxNamespace;
  await gardenlet.createShoot({ resources: testShootResources });
  await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 's3cret' });
  await gardenlet.writeSecret('ref-extra-secret', { token: 'extra' });
  await gardenlet.startKubelet();
  await gardenlet.createExtension(config ? config(ns) : gitConfig(ns));
  await expect
    .poll(() => gardenlet.flux.readObject('source.toolkit.fluxcd.io', 'gitrepositories', ns, 'flux-system'))
    .toBeDefined();
  await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
  await expect
    .poll(() => gardenlet.flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'))
    .toBeDefined();
  await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
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
