import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { writeDerivedFluxBundle } from '../../harness/derived-flux-bundle.js';
import type { Kubelet } from '../../harness/kubelet.js';
import { reconcileOnce, writeRequests } from './reconcile-counting.js';
import { applySourceAsKustomizeController, setControllerImageWithKubectl } from './shoot-edits.js';
import {
  bootstrapTestShoot,
  gitConfig,
  startShootFluxManager,
  useTestShoots,
  type TestShoot,
} from './shoot-flux-support.js';

// syncMode Full through the real manager against real API servers: upgrades (explicit at once, a
// changed default in the maintenance window), drift repair of the installation and a stopped
// rollout. The newer "releases" are v2.9.2's bundle with other controller image tags
// (derived-flux-bundle.ts); the storage migration has its own test in test/integration/kube.
const current = 'v2.9.2';
const next = 'v2.9.3';
const broken = 'v2.9.4';

interface TestClock {
  now: () => Date;
  /** Makes the clock read `at` now; it runs on from there. */
  set: (at: Date) => void;
}

function startClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    set: (at) => {
      offset = at.getTime() - Date.now();
    },
  };
}

async function metricValue(manager: Manager, name: string, labels: Record<string, string>): Promise<number> {
  const { values } = (await manager.metrics.registry.getSingleMetric(name)?.get()) ?? { values: [] };
  return (
    values.find((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value))?.value ??
    0
  );
}

async function setMaintenanceWindow(gardenlet: TestShoot, begin: string, end: string): Promise<void> {
  await gardenlet.seed.makeApiClient(CustomObjectsApi).patchClusterCustomObject(
    {
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      plural: 'clusters',
      name: gardenlet.namespace,
      body: { spec: { shoot: { spec: { maintenance: { timeWindow: { begin, end } } } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

describe('shoot-flux syncMode Full', () => {
  // Each test's shoots are removed after it, from seed and shoot.
  const shoots = useTestShoots();
  const kubelets: Kubelet[] = [];
  const managers: Manager[] = [];
  let bundles: string;

  beforeAll(async () => {
    bundles = await mkdtemp(path.join(tmpdir(), 'shoot-flux-full-bundles-'));
    await writeDerivedFluxBundle(bundles, current, next, 'next');
    await writeDerivedFluxBundle(bundles, current, broken, 'broken');
  });
  afterEach(async () => {
    for (const manager of managers.splice(0)) await manager.stop();
  });
  afterAll(async () => {
    for (const kubelet of kubelets) await kubelet.stop();
  });

  const start = async (extensionType: string, options: Parameters<typeof startShootFluxManager>[0] = {}) => {
    const manager = await startShootFluxManager({
      extensionType,
      extraFluxManifestsBases: [bundles],
      ...options,
    });
    managers.push(manager);
    return manager;
  };
  const images = async (g: TestShoot) =>
    (await g.shoot.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: g.fluxNamespace })).items
      .map((d) => d.spec?.template.spec?.containers[0]?.image ?? '')
      .sort();
  const condition = async (g: TestShoot) =>
    (await g.extension()).status?.conditions?.find((c) => c.type === 'FluxBootstrapped');
  const fluxState = async (g: TestShoot) =>
    (
      (await g.extension()).status?.state as
        { flux?: { fluxVersion?: string; upgrade?: unknown } } | undefined
    )?.flux;

  it('applies an explicit flux.version change at once, and repairs a changed and a deleted controller', async () => {
    const type = 'shoot-flux-full-explicit';
    const manager = await start(type);
    const config = (ns: string, version: string) =>
      gitConfig(ns, { syncMode: 'Full', flux: { namespace: ns, version } });
    const gardenlet = await bootstrapTestShoot(shoots.create(type), (ns) => config(ns, current));
    const ns = gardenlet.fluxNamespace;
    // Windows are closed all day but for one minute: the explicit change must not wait for them.
    await setMaintenanceWindow(gardenlet, '030000+0000', '030100+0000');
    await gardenlet.patchExtension({ spec: { providerConfig: config(ns, next) } });
    await gardenlet.annotate();
    await expect.poll(async () => (await fluxState(gardenlet))?.fluxVersion).toBe(next);
    expect(await images(gardenlet)).toEqual([
      'ghcr.io/fluxcd/helm-controller:v1.6.2-next',
      'ghcr.io/fluxcd/kustomize-controller:v1.9.3-next',
      'ghcr.io/fluxcd/notification-controller:v1.9.2-next',
      'ghcr.io/fluxcd/source-controller:v1.9.3-next',
    ]);
    expect((await fluxState(gardenlet))?.upgrade).toBeUndefined();
    expect(await gardenlet.events()).toContainEqual(
      expect.objectContaining({
        reason: 'FluxUpgraded',
        message: `Upgraded Flux from ${current} to ${next}`,
      }),
    );
    expect(await metricValue(manager, 'shoot_flux_upgrades_total', { result: 'success' })).toBe(1);

    await setControllerImageWithKubectl(gardenlet, 'source-controller', 'evil.example.com/x:1');
    await gardenlet.shoot
      .makeApiClient(AppsV1Api)
      .deleteNamespacedDeployment({ name: 'helm-controller', namespace: ns });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await images(gardenlet)).join(','))
      .toBe(
        [
          'ghcr.io/fluxcd/helm-controller:v1.6.2-next',
          'ghcr.io/fluxcd/kustomize-controller:v1.9.3-next',
          'ghcr.io/fluxcd/notification-controller:v1.9.2-next',
          'ghcr.io/fluxcd/source-controller:v1.9.3-next',
        ].join(','),
      );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.state)
      .toBe('Succeeded');
    expect(await gardenlet.events()).toContainEqual(
      expect.objectContaining({
        reason: 'FluxInstallationRepaired',
        message: 'Applied the Flux installation again',
      }),
    );
  });

  it('sends nothing more than Once when the installation is unchanged', async () => {
    const type = 'shoot-flux-full-steady';
    const manager = await start(type);
    const config = (ns: string, syncMode: string) => gitConfig(ns, { syncMode, flux: { namespace: ns } });
    const gardenlet = await bootstrapTestShoot(shoots.create(type), (ns) => config(ns, 'Once'));
    await reconcileOnce(manager, gardenlet);
    let before = await writeRequests(manager);
    await reconcileOnce(manager, gardenlet);
    const once = (await writeRequests(manager)) - before;
    await gardenlet.patchExtension({ spec: { providerConfig: config(gardenlet.fluxNamespace, 'Full') } });
    // The first Full reconcile records the installation it finds.
    await reconcileOnce(manager, gardenlet);
    before = await writeRequests(manager);
    await reconcileOnce(manager, gardenlet);
    expect((await writeRequests(manager)) - before).toBe(once);
    expect((await condition(gardenlet))?.reason).toBe('BootstrapSuccessful');
  });

  it('reports the source and the installation kustomize-controller applies as one FluxSelfManaged, once', async () => {
    const type = 'shoot-flux-full-self-managed';
    const manager = await start(type);
    const gardenlet = await bootstrapTestShoot(shoots.create(type), (ns) =>
      gitConfig(ns, { syncMode: 'Full', flux: { namespace: ns } }),
    );
    const ns = gardenlet.fluxNamespace;
    await reconcileOnce(manager, gardenlet);
    // flux bootstrap's pattern, played as real kustomize-controller applies: the GitRepository,
    // a ServiceAccount (its entry then holds our labels only) and a Deployment with a patch.
    await applySourceAsKustomizeController(gardenlet, {
      url: 'https://git.example.com/org/repo.git',
      interval: '1m0s',
      ref: { branch: 'main' },
    });
    await gardenlet.flux.applyAsKustomizeController({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'source-controller',
        namespace: ns,
        labels: { 'app.kubernetes.io/part-of': 'flux', 'kustomize.toolkit.fluxcd.io/name': 'flux-system' },
      },
    });
    await gardenlet.flux.applyAsKustomizeController({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'source-controller', namespace: ns },
      spec: {
        template: { spec: { containers: [{ name: 'manager', resources: { limits: { memory: '2Gi' } } }] } },
      },
    });
    const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
    const sourceController = async () => {
      const deployment = await apps.readNamespacedDeployment({ name: 'source-controller', namespace: ns });
      return {
        generation: deployment.metadata?.generation,
        memory: deployment.spec?.template.spec?.containers[0]?.resources?.limits?.memory,
      };
    };
    const patched = await sourceController();
    expect(patched.memory).toBe('2Gi');
    const events = async (reason: string) =>
      (await gardenlet.events())
        .filter((e) => e.reason === reason)
        .reduce((sum, e) => sum + (e.count ?? 1), 0);
    // The first Full reconcile applied the installation as it was: nothing repaired, nothing said.
    const repaired = await events('FluxInstallationRepaired');
    expect(repaired).toBe(0);

    for (let round = 0; round < 3; round++) {
      await reconcileOnce(manager, gardenlet);
      expect(await condition(gardenlet)).toMatchObject({
        reason: 'FluxSelfManaged',
        message:
          `GitRepository ${ns}/flux-system, ServiceAccount ${ns}/source-controller, Deployment ` +
          `${ns}/source-controller are applied by kustomize-controller (Flux manages itself from its ` +
          'repository); the extension leaves them alone instead of fighting it.',
      });
      expect(await sourceController()).toEqual(patched);
    }
    expect(await events('FluxSelfManaged')).toBe(1);
    expect(await events('FluxInstallationRepaired')).toBe(repaired);
  });

  it('applies a raised default only in the maintenance window, requeued to its start', async () => {
    const type = 'shoot-flux-full-window';
    const clock = startClock();
    const config = (ns: string) => gitConfig(ns, { syncMode: 'Full', flux: { namespace: ns } });
    await start(type, { landscape: { defaultVersion: current }, now: clock.now });
    const gardenlet = await bootstrapTestShoot(shoots.create(type), config);
    await setMaintenanceWindow(gardenlet, '220000+0100', '230000+0100');
    // The landscape raises its default: a new controller (a new release of the extension).
    for (const manager of managers.splice(0)) await manager.stop();
    clock.set(new Date('2026-06-01T12:00:00Z'));
    await start(type, { landscape: { defaultVersion: next }, now: clock.now });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await condition(gardenlet))?.message)
      .toBe(`Flux ${next} pending until the maintenance window 21:00–22:00 UTC`);
    expect((await condition(gardenlet))?.reason).toBe('FluxUpgradePending');
    expect((await gardenlet.extension()).status?.lastOperation?.state).toBe('Succeeded');
    expect((await fluxState(gardenlet))?.fluxVersion).toBe(current);
    expect(await images(gardenlet)).toContain('ghcr.io/fluxcd/source-controller:v1.9.3');

    // Two seconds before the window opens: the next reconcile is the one scheduled for its start.
    clock.set(new Date('2026-06-01T20:59:58Z'));
    await gardenlet.annotate();
    await expect.poll(async () => (await condition(gardenlet))?.reason).toBe('FluxUpgradePending');
    await expect.poll(async () => (await fluxState(gardenlet))?.fluxVersion).toBe(next);
    expect(await images(gardenlet)).toContain('ghcr.io/fluxcd/source-controller:v1.9.3-next');
    expect((await condition(gardenlet))?.reason).toBe('BootstrapSuccessful');
  });

  it('reports a rollout that stops with the Deployment message, and no half-upgrade as done', async () => {
    const type = 'shoot-flux-full-broken';
    const manager = await start(type);
    const config = (ns: string, version: string) =>
      gitConfig(ns, { syncMode: 'Full', flux: { namespace: ns, version } });
    const gardenlet = await bootstrapTestShoot(shoots.create(type), (ns) => config(ns, current));
    const ns = gardenlet.fluxNamespace;
    // From now on this test plays the kubelet and the Deployment controller itself.
    await gardenlet.stopKubelets();
    await gardenlet.patchExtension({ spec: { providerConfig: config(ns, broken) } });
    await gardenlet.annotate();
    const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
    await expect
      .poll(
        async () =>
          (await apps.readNamespacedDeployment({ name: 'source-controller', namespace: ns })).spec?.template
            .spec?.containers[0]?.image,
      )
      .toBe('ghcr.io/fluxcd/source-controller:v1.9.3-broken');
    const stuck = await apps.readNamespacedDeployment({ name: 'source-controller', namespace: ns });
    const message = 'ReplicaSet "source-controller-5d9c" has timed out progressing.';
    await apps.patchNamespacedDeploymentStatus(
      {
        name: 'source-controller',
        namespace: ns,
        body: {
          status: {
            observedGeneration: stuck.metadata?.generation,
            replicas: 1,
            updatedReplicas: 1,
            conditions: [
              { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message },
              {
                type: 'Available',
                status: 'False',
                reason: 'MinimumReplicasUnavailable',
                message: 'no replicas',
              },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect.poll(async () => (await gardenlet.extension()).status?.lastOperation?.state).toBe('Error');
    const description = (await gardenlet.extension()).status?.lastError?.description ?? '';
    expect(description).toContain(`Flux ${broken} rollout failed`);
    expect(description).toContain(`Deployment ${ns}/source-controller`);
    expect(description).toContain(message);
    expect((await fluxState(gardenlet))?.fluxVersion).toBe(current);
    expect(await metricValue(manager, 'shoot_flux_upgrades_total', { result: 'failure' })).toBeGreaterThan(0);
  });
});
