import { AppsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { fluxReadyConditions } from '../../harness/flux-player.js';
import { buildAvailableDeploymentStatus, writeDeploymentStatus } from '../../harness/kubelet.js';
import { reconcileOnce } from './reconcile-counting.js';
import {
  applySourceAsKustomizeController,
  deleteBootstrappedObject,
  editWithKubectl,
  readBootstrappedObject,
  setControllerImageWithKubectl,
} from './shoot-edits.js';
import {
  bootstrapTestShoot,
  gitConfig,
  startShootFluxManager,
  useTestShoots,
  type TestShoot,
} from './shoot-flux-support.js';

// Drift repair driven by the health monitor's shoot watch (`--health-check-watch`), through the
// real manager against real API servers; the test plays gardenlet, the kubelet and Flux (and
// kustomize-controller's apply). The health period and the resync are an hour: whatever is
// repaired here is repaired because the watch saw it, and nobody annotates the Extension.
const extensionType = 'shoot-flux-watch-drift';
const hour = 60 * 60_000;

async function metricSum(manager: Manager, name: string, verb?: string): Promise<number> {
  const { values } = (await manager.metrics.registry.getSingleMetric(name)?.get()) ?? { values: [] };
  return values
    .filter((v) => verb === undefined || String(v.labels.verb) === verb)
    .reduce((sum, v) => sum + v.value, 0);
}

/** Finished reconciles. */
const reconciles = (manager: Manager) => metricSum(manager, 'controller_runtime_reconcile_total');
/** Server-side applies: only reconciles apply, and only to the shoot (the seed gets patches). */
const applies = (manager: Manager) => metricSum(manager, 'rest_client_requests_total', 'apply');
const healthChecks = (manager: Manager) => metricSum(manager, 'shoot_flux_health_checks_total');

describe('shoot-flux drift repair on the shoot watch', () => {
  const shoots = useTestShoots();
  let manager: Manager;

  beforeAll(async () => {
    manager = await startShootFluxManager({
      extensionType,
      healthCheck: { periodMs: hour, heartbeatMs: hour, watch: true },
      resyncMs: hour,
    });
  });
  afterAll(async () => {
    await manager.stop();
  });

  const condition = async (g: TestShoot, type: string) =>
    (await g.extension()).status?.conditions?.find((c) => c.type === type);
  const gitRepository = (g: TestShoot) => readBootstrappedObject(g, 'gitrepositories');
  const kustomization = (g: TestShoot) => readBootstrappedObject(g, 'kustomizations');
  const eventCount = async (g: TestShoot, reason: string) =>
    (await g.events()).filter((e) => e.reason === reason).reduce((sum, e) => sum + (e.count ?? 1), 0);
  const images = async (g: TestShoot) =>
    (await g.shoot.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: g.fluxNamespace })).items
      .map((d) => `${d.metadata?.name ?? ''}=${d.spec?.template.spec?.containers[0]?.image ?? ''}`)
      .sort()
      .join(',');

  /**
   * Plays Flux turning the Kustomization not ready and ready again (status only) and waits until
   * the health monitor's watch-driven checks saw both: every earlier change of the shoot's Flux
   * objects has reached the watch by then.
   */
  const flushWatch = async (g: TestShoot) => {
    await g.flux.setStatus('kustomizations', 'flux-system', g.fluxNamespace, [
      { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed' },
    ]);
    await expect.poll(async () => (await condition(g, 'FluxSynced'))?.status).toBe('False');
    await g.flux.setStatus('kustomizations', 'flux-system', g.fluxNamespace, fluxReadyConditions);
    await expect.poll(async () => (await condition(g, 'FluxSynced'))?.status).toBe('True');
  };

  it('Full: restores a deleted and a changed controller Deployment without annotation, once', async () => {
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) =>
      gitConfig(ns, { syncMode: 'Full', flux: { namespace: ns } }),
    );
    const ns = gardenlet.fluxNamespace;
    // The first Full reconcile records the installation it finds; from then on it is steady.
    await reconcileOnce(manager, gardenlet);
    const installed = await images(gardenlet);
    await flushWatch(gardenlet);

    // Status-only updates (the kubelet's, Flux's) are checked by the watch and reconcile nothing.
    const steadyReconciles = await reconciles(manager);
    const steadyApplies = await applies(manager);
    const checks = await healthChecks(manager);
    await writeDeploymentStatus(gardenlet.shoot, ns, 'source-controller', (d) => ({
      ...buildAvailableDeploymentStatus(d),
      collisionCount: 1,
    }));
    await expect.poll(() => healthChecks(manager)).toBeGreaterThan(checks);
    await flushWatch(gardenlet);
    expect(await reconciles(manager)).toBe(steadyReconciles);
    expect(await applies(manager)).toBe(steadyApplies);

    const repaired = await eventCount(gardenlet, 'FluxInstallationRepaired');
    const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
    await apps.deleteNamespacedDeployment({ name: 'helm-controller', namespace: ns });
    await setControllerImageWithKubectl(gardenlet, 'source-controller', 'evil.example.com/x:1');
    await expect.poll(() => images(gardenlet)).toBe(installed);
    await expect.poll(() => eventCount(gardenlet, 'FluxInstallationRepaired')).toBe(repaired + 1);
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.state)
      .toBe('Succeeded');
    expect((await condition(gardenlet, 'FluxBootstrapped'))?.reason).toBe('BootstrapSuccessful');

    // Our own apply moved the restored Deployment's generation, which the watch sees as well: the
    // reconcile it causes finds nothing to repair and sends nothing, so there is no loop.
    const afterRepair = await applies(manager);
    const reconcilesAfterRepair = await reconciles(manager);
    await flushWatch(gardenlet);
    await flushWatch(gardenlet);
    expect(await applies(manager)).toBe(afterRepair);
    expect(await eventCount(gardenlet, 'FluxInstallationRepaired')).toBe(repaired + 1);
    expect((await reconciles(manager)) - reconcilesAfterRepair).toBeLessThanOrEqual(2);
    expect((await gardenlet.extension()).metadata.annotations?.['gardener.cloud/operation']).toBeUndefined();
  });

  it('ManifestsOnly: restores the source and Kustomization on the watch, leaves the installation and a self-managed source alone', async () => {
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) =>
      gitConfig(ns, { syncMode: 'ManifestsOnly', flux: { namespace: ns } }),
    );
    const ns = gardenlet.fluxNamespace;
    await flushWatch(gardenlet);

    // The installation is not ManifestsOnly's to keep: a deleted controller is seen, not reconciled.
    const before = await reconciles(manager);
    const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
    await apps.deleteNamespacedDeployment({ name: 'helm-controller', namespace: ns });
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.message)
      .toBe(`Deployment ${ns}/helm-controller: not found`);
    await flushWatch(gardenlet);
    expect(await reconciles(manager)).toBe(before);

    // kubectl edit of a field we set, and a deleted Kustomization: both restored.
    await editWithKubectl(gardenlet, 'gitrepositories', { interval: '10h' });
    await expect.poll(async () => (await gitRepository(gardenlet))?.spec.interval).toBe('1m');
    await deleteBootstrappedObject(gardenlet, 'kustomizations');
    await expect.poll(async () => (await kustomization(gardenlet))?.spec.path).toBe('./clusters/shoot');
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);

    // Flux takes the source over (kustomize-controller applies it): the reconcile the watch causes
    // says so and sends nothing, and the next change of theirs sends nothing either.
    const selfApply = (interval: string) =>
      applySourceAsKustomizeController(gardenlet, {
        url: 'https://git.example.com/org/self.git',
        interval,
        ref: { branch: 'main' },
      });
    // Flux reports each new generation of its source ready, as source-controller would.
    const sourceReady = () =>
      gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
    await selfApply('5m');
    await sourceReady();
    await expect
      .poll(async () => (await condition(gardenlet, 'FluxBootstrapped'))?.reason)
      .toBe('FluxSelfManaged');
    await flushWatch(gardenlet);
    const selfManagedApplies = await applies(manager);
    const selfManagedReconciles = await reconciles(manager);
    await selfApply('7m');
    await sourceReady();
    await expect.poll(() => reconciles(manager)).toBeGreaterThan(selfManagedReconciles);
    await flushWatch(gardenlet);
    expect(await applies(manager)).toBe(selfManagedApplies);
    expect(await gitRepository(gardenlet)).toMatchObject({
      spec: { url: 'https://git.example.com/org/self.git', interval: '7m' },
    });
    expect(await eventCount(gardenlet, 'FluxSelfManaged')).toBe(1);
    expect((await condition(gardenlet, 'FluxBootstrapped'))?.reason).toBe('FluxSelfManaged');
    expect(await apps.listNamespacedDeployment({ namespace: ns })).toMatchObject({
      items: expect.not.arrayContaining([
        expect.objectContaining({
          metadata: expect.objectContaining({ name: 'helm-controller' }) as unknown,
        }),
      ]) as unknown,
    });
    expect((await gardenlet.extension()).metadata.annotations?.['gardener.cloud/operation']).toBeUndefined();
  });
});
