import { AppsV1Api, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import type { Condition, Extension } from '../../../src/gardener/types.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildAvailableDeploymentStatus, writeDeploymentStatus } from '../../harness/kubelet.js';
import { clusterKubeconfigText } from '../support/clusters.js';
import { runCliInProcess } from '../../unit/cli/support/cli.js';
import { fluxReadyConditions } from '../../harness/flux-player.js';
import {
  gitConfig,
  startShootFluxManager,
  testShootResources,
  type TestShoot,
  useTestShoots,
} from './shoot-flux-support.js';

// Day-2 health against real API servers: the test plays gardenlet, the kubelet (Deployment
// status) and Flux (source and Kustomization status); the controller's health monitor runs on a
// short period. Extensions of their own type: no other file's manager touches them.
const extensionType = 'shoot-flux-health';
const heartbeatType = 'shoot-flux-health-heartbeat';
const watchType = 'shoot-flux-health-watch';

function conditionOf(extension: Extension, type: string): Condition | undefined {
  return extension.status?.conditions?.find((c) => c.type === type);
}

async function condition(gardenlet: TestShoot, type: string): Promise<Condition | undefined> {
  return conditionOf(await gardenlet.extension(), type);
}

/** The value of one series of a metric, or undefined when the series does not exist. */
async function metricValue(
  manager: Manager,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = manager.metrics.registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find((v) =>
    Object.entries(labels).every(([key, value]) => String(v.labels[key]) === value),
  );
  return found?.value;
}

async function checksDone(manager: Manager): Promise<number> {
  const metric = manager.metrics.registry.getSingleMetric('shoot_flux_health_checks_total');
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.reduce((sum, v) => sum + v.value, 0);
}

const kustomizationFailed = [
  {
    type: 'Ready',
    status: 'False',
    reason: 'BuildFailed',
    message: 'kustomize build failed: accumulating resources: missing Resource metadata',
  },
];

async function patchDeploymentStatus(
  gardenlet: TestShoot,
  name: string,
  status: (deployment: V1Deployment) => Record<string, unknown>,
): Promise<void> {
  await writeDeploymentStatus(gardenlet.shoot, gardenlet.fluxNamespace, name, status);
}

async function bumpDeploymentGeneration(gardenlet: TestShoot, name: string): Promise<void> {
  const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
  await apps.patchNamespacedDeployment(
    {
      name,
      namespace: gardenlet.fluxNamespace,
      body: { spec: { template: { metadata: { annotations: { restartedAt: new Date().toISOString() } } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

describe('shoot-flux health checks', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({
      extensionType,
      healthCheck: {
        periodMs: 250,
        heartbeatMs: 60 * 60_000,
        watch: false,
        progressingThresholdMs: 60 * 60_000,
      },
    });
  });
  afterAll(async () => {
    await manager.stop();
  });

  it('reports a healthy, synced shoot with its FluxStatus and gauges', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.status)
      .toBe('True');
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    const extension = await gardenlet.extension();
    expect(conditionOf(extension, 'SystemComponentsHealthy')).toMatchObject({
      reason: 'HealthCheckSuccessful',
      message:
        'All Flux controllers are available: source-controller, kustomize-controller, helm-controller, notification-controller.',
    });
    expect(extension.status?.providerStatus).toMatchObject({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxStatus',
      version: 'v2.9.2',
      registry: 'ghcr.io/fluxcd',
      source: {
        kind: 'GitRepository',
        namespace: gardenlet.fluxNamespace,
        name: 'flux-system',
        url: 'https://git.example.com/org/repo.git',
        ready: true,
      },
      kustomization: { namespace: gardenlet.fluxNamespace, name: 'flux-system', ready: true },
    });
    const status = extension.status?.providerStatus as {
      controllers: { name: string; images: string[]; ready: boolean }[];
      lastCheckTime: string;
    };
    expect(status.controllers.map((c) => c.name)).toEqual([
      'source-controller',
      'kustomize-controller',
      'helm-controller',
      'notification-controller',
    ]);
    expect(status.controllers[0]?.images[0]).toMatch(/^ghcr\.io\/fluxcd\/source-controller:v/);
    expect(Date.parse(status.lastCheckTime)).not.toBeNaN();
    const namespace = gardenlet.namespace;
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_system_components_healthy', { namespace }))
      .toBe(1);
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_synced', { namespace, reason: 'Succeeded' }))
      .toBe(1);
    await expect
      .poll(() =>
        metricValue(manager, 'shoot_flux_info', { namespace, version: 'v2.9.2', sync_mode: 'Once' }),
      )
      .toBe(1);
  });

  it('the status command lists the shoot with its health, and --failing only when it fails', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shoot-flux-status-'));
    const kubeconfig = path.join(dir, 'seed.kubeconfig');
    await writeFile(kubeconfig, clusterKubeconfigText('seed'));
    const status = (...args: string[]) =>
      runCliInProcess(['status', '--kubeconfig', kubeconfig, '--extension-type', extensionType, ...args]);
    const listed = await status('-n', gardenlet.namespace, '-o', 'json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        namespace: gardenlet.namespace,
        state: 'Succeeded',
        bootstrapped: true,
        installedVersion: 'v2.9.2',
        fluxSynced: 'True',
        systemComponentsHealthy: 'True',
      }),
    ]);
    const table = await status('-o', 'wide');
    expect(table.stdout).toMatch(
      new RegExp(`^${gardenlet.namespace}\\s+Succeeded\\s+true\\s+Once\\s+v2\\.9\\.2/v2\\.9\\.2`, 'm'),
    );

    await gardenlet.flux.setStatus(
      'kustomizations',
      'flux-system',
      gardenlet.fluxNamespace,
      kustomizationFailed,
    );
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('False');
    const failing = await status('--failing', '-o', 'json');
    expect(failing.code).toBe(0);
    expect((JSON.parse(failing.stdout) as { namespace: string }[]).map((r) => r.namespace)).toContain(
      gardenlet.namespace,
    );
  });

  it('writes nothing while nothing changes', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    const before = await gardenlet.extension();
    const checks = await checksDone(manager);
    // Every round checks every shoot of this file (at most a handful): 20 more checks are several rounds.
    await expect.poll(() => checksDone(manager)).toBeGreaterThan(checks + 20);
    const after = await gardenlet.extension();
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('keeps its shoot client between checks instead of reading the access secret from the seed each time', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    // Access secrets the monitor could not use, were it to read them again (heartbeat: 1 h).
    for (const name of ['gardener', 'gardener-internal']) {
      await gardenlet.writeSecret(name, { kubeconfig: 'not a kubeconfig' });
    }
    await gardenlet.flux.setStatus(
      'kustomizations',
      'flux-system',
      gardenlet.fluxNamespace,
      kustomizationFailed,
    );
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('False');
  });

  it('FluxSynced follows the Kustomization: False with Flux reason and message, Unknown, True again', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    const ns = gardenlet.fluxNamespace;
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    const synced = await condition(gardenlet, 'FluxSynced');

    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, kustomizationFailed);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('False');
    const failed = await condition(gardenlet, 'FluxSynced');
    expect(failed).toMatchObject({
      reason: 'BuildFailed',
      message: `Kustomization ${ns}/flux-system: kustomize build failed: accumulating resources: missing Resource metadata`,
    });
    // Times have second resolution: the transition is never earlier than the last one.
    expect(Date.parse(failed?.lastTransitionTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(synced?.lastTransitionTime ?? ''),
    );
    // The shoot owner's content does not make the system components unhealthy.
    expect((await condition(gardenlet, 'SystemComponentsHealthy'))?.status).toBe('True');
    const namespace = gardenlet.namespace;
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_synced', { namespace, reason: 'BuildFailed' }))
      .toBe(0);
    expect(
      await metricValue(manager, 'shoot_flux_synced', { namespace, reason: 'Succeeded' }),
    ).toBeUndefined();

    // A spec change Flux has not reconciled yet: Unknown.
    await gardenlet.shootCustom.patchNamespacedCustomObject(
      {
        group: 'kustomize.toolkit.fluxcd.io',
        version: 'v1',
        namespace: ns,
        plural: 'kustomizations',
        name: 'flux-system',
        body: { spec: { path: './clusters/other' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('Unknown');

    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_synced', { namespace, reason: 'Succeeded' }))
      .toBe(1);
  });

  it('FluxSynced is False when Flux stalls the source, with the stalled reason', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, [
      { type: 'Ready', status: 'False', reason: 'InvalidURL', message: 'invalid URL' },
      { type: 'Stalled', status: 'True', reason: 'InvalidURL', message: 'invalid URL: unsupported scheme' },
    ]);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.reason).toBe('InvalidURL');
    expect(await condition(gardenlet, 'FluxSynced')).toMatchObject({
      status: 'False',
      message: `GitRepository ${ns}/flux-system: invalid URL: unsupported scheme`,
    });
  });

  it('SystemComponentsHealthy: rollout Progressing, stopped rollout False naming the Deployment, then True', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    const ns = gardenlet.fluxNamespace;
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.status)
      .toBe('True');
    const healthy = await condition(gardenlet, 'SystemComponentsHealthy');
    // From now on the test plays the kubelet by hand.
    await gardenlet.stopKubelets();

    await bumpDeploymentGeneration(gardenlet, 'helm-controller');
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.status)
      .toBe('Progressing');
    expect(await condition(gardenlet, 'SystemComponentsHealthy')).toMatchObject({
      reason: 'HealthCheckProgressing',
      message: expect.stringContaining(`Deployment ${ns}/helm-controller: generation`) as string,
    });
    expect(
      Date.parse((await condition(gardenlet, 'SystemComponentsHealthy'))?.lastTransitionTime ?? ''),
    ).toBeGreaterThanOrEqual(Date.parse(healthy?.lastTransitionTime ?? ''));

    await patchDeploymentStatus(gardenlet, 'helm-controller', (d) => ({
      observedGeneration: d.metadata?.generation,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 0,
      unavailableReplicas: 1,
      conditions: [
        {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "helm-controller-5d" has timed out progressing.',
        },
      ],
    }));
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.status)
      .toBe('False');
    expect(await condition(gardenlet, 'SystemComponentsHealthy')).toMatchObject({
      reason: 'HealthCheckUnsuccessful',
      message: `Deployment ${ns}/helm-controller: not progressing: ReplicaSet "helm-controller-5d" has timed out progressing.`,
    });
    // FluxSynced is about the content, not the controllers.
    expect((await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    const namespace = gardenlet.namespace;
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_system_components_healthy', { namespace }))
      .toBe(0);
    const providerStatus = (await gardenlet.extension()).status?.providerStatus as {
      controllers: { name: string; ready: boolean }[];
    };
    expect(providerStatus.controllers.find((c) => c.name === 'helm-controller')?.ready).toBe(false);

    await patchDeploymentStatus(gardenlet, 'helm-controller', buildAvailableDeploymentStatus);
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.status)
      .toBe('True');
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_system_components_healthy', { namespace }))
      .toBe(1);
  });

  it('a hibernated shoot is reported hibernated without looking at it', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    const ns = gardenlet.fluxNamespace;
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    await gardenlet.updateShoot({
      resources: testShootResources,
      hibernated: true,
    });
    await expect
      .poll(async () => (await condition(gardenlet, 'FluxSynced'))?.message)
      .toBe('Shoot is hibernated');
    expect(await condition(gardenlet, 'SystemComponentsHealthy')).toMatchObject({
      status: 'True',
      reason: 'HealthCheckSuccessful',
      message: 'Shoot is hibernated',
    });
    // Broken content in the shoot stays unseen while hibernated: no check reads the shoot.
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, kustomizationFailed);
    const checks = await checksDone(manager);
    await expect.poll(() => checksDone(manager)).toBeGreaterThan(checks + 20);
    expect((await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');

    await gardenlet.updateShoot({ resources: testShootResources });
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('False');
  });

  it('a deleted Flux namespace makes SystemComponentsHealthy False and FluxSynced Unknown', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    await gardenlet.shootCore.deleteNamespace({ name: gardenlet.fluxNamespace });
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.reason)
      .toBe('FluxNamespaceMissing');
    expect(await condition(gardenlet, 'SystemComponentsHealthy')).toMatchObject({
      status: 'False',
      message: `The Flux namespace ${gardenlet.fluxNamespace} does not exist in the shoot (Flux uninstalled?).`,
    });
    expect(await condition(gardenlet, 'FluxSynced')).toMatchObject({
      status: 'Unknown',
      reason: 'FluxNamespaceMissing',
    });
  });

  it('drops the gauges of a shoot whose Extension is gone', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    const namespace = gardenlet.namespace;
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_system_components_healthy', { namespace }))
      .toBe(1);
    await gardenlet.deleteExtension();
    await expect
      .poll(() => metricValue(manager, 'shoot_flux_system_components_healthy', { namespace }))
      .toBeUndefined();
    expect(await metricValue(manager, 'shoot_flux_info', { namespace })).toBeUndefined();
  });

  it('shows credentials in no source URL of the FluxStatus', async () => {
    const gardenlet = await shoots.bootstrap(undefined, extensionType);
    const ns = gardenlet.fluxNamespace;
    // A user edits the source in the shoot and puts a token into its URL.
    await gardenlet.shootCustom.patchNamespacedCustomObject(
      {
        group: 'source.toolkit.fluxcd.io',
        version: 'v1',
        namespace: ns,
        plural: 'gitrepositories',
        name: 'flux-system',
        body: { spec: { url: 'https://git:ghp_s3cretT0ken@git.example.com/org/repo.git' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect
      .poll(
        async () =>
          ((await gardenlet.extension()).status?.providerStatus as { source?: { url?: string } }).source?.url,
      )
      .toBe('https://***@git.example.com/org/repo.git');
    expect(JSON.stringify((await gardenlet.extension()).status)).not.toContain('ghp_s3cretT0ken');
  });
});

describe('shoot-flux health heartbeat', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({
      extensionType: heartbeatType,
      healthCheck: { periodMs: 250, heartbeatMs: 1_000, watch: false },
    });
  });
  afterAll(async () => {
    await manager.stop();
  });

  it('refreshes lastCheckTime at the heartbeat while the conditions keep their times', async () => {
    const gardenlet = await shoots.bootstrap((ns) => gitConfig(ns), heartbeatType);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    const first = await gardenlet.extension();
    const checkTime = (e: Extension) =>
      (e.status?.providerStatus as { lastCheckTime?: string }).lastCheckTime;
    await expect.poll(async () => checkTime(await gardenlet.extension())).not.toBe(checkTime(first));
    const later = await gardenlet.extension();
    for (const type of ['SystemComponentsHealthy', 'FluxSynced']) {
      expect(conditionOf(later, type)?.lastTransitionTime).toBe(conditionOf(first, type)?.lastTransitionTime);
      expect(conditionOf(later, type)?.lastUpdateTime).toBe(conditionOf(first, type)?.lastUpdateTime);
    }
  });
});

describe('shoot-flux health watch', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    // A period far beyond the test: every check after the first one comes from the watch.
    manager = await startShootFluxManager({
      extensionType: watchType,
      healthCheck: { periodMs: 60 * 60_000, heartbeatMs: 60 * 60_000, watch: true },
    });
  });
  afterAll(async () => {
    await manager.stop();
  });

  it('checks a shoot right after its bootstrap and again on every change of its Flux objects', async () => {
    const gardenlet = await shoots.bootstrap(undefined, watchType);
    const ns = gardenlet.fluxNamespace;
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('True');
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, kustomizationFailed);
    await expect.poll(async () => (await condition(gardenlet, 'FluxSynced'))?.status).toBe('False');
    await gardenlet.stopKubelets();
    const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
    await apps.deleteNamespacedDeployment({ name: 'helm-controller', namespace: ns });
    await expect
      .poll(async () => (await condition(gardenlet, 'SystemComponentsHealthy'))?.message)
      .toBe(`Deployment ${ns}/helm-controller: not found`);
    expect((await condition(gardenlet, 'SystemComponentsHealthy'))?.status).toBe('False');
  });
});
