// Day-2 health at fleet scale: N shoots bootstrapped by the real controller against real seed and
// shoot API servers (one shoot API server, one Flux namespace per shoot; the bench plays
// gardenlet, the kubelet and Flux), then steady-state requests per second and peak RSS, and the
// time from a played Flux failure to FluxSynced=False, periodic and watched. Prints figures.
//   npm run bench:health [-- --shoots 20 --period 5s]
import { parseArgs } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { parseDurationFlag } from '../src/cli/run-flags.js';
import { createShootFluxActuator } from '../src/controller/composition.js';
import { Manager } from '../src/controller/manager.js';
import type { Extension } from '../src/gardener/types.js';
import { discardLogger } from '../src/log/logger.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { startKubelet } from '../test/harness/kubelet.js';
import { startFluxStandIn } from './support/flux-stand-in.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootAccessKubeconfig,
  buildShootObject,
  makeFluxManifestsBase,
} from '../test/harness/gardener-objects.js';

const { values } = parseArgs({
  options: { shoots: { type: 'string', default: '20' }, period: { type: 'string', default: '5s' } },
});
const shootCount = Number(values.shoots);
const periodMs = parseDurationFlag(values.period);
const print = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ready = [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }];
const failed = [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed' }];

async function setKustomization(
  shoot: KubeConfig,
  namespace: string,
  conditions: typeof ready,
): Promise<void> {
  const custom = shoot.makeApiClient(CustomObjectsApi);
  const ref = {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    namespace,
    plural: 'kustomizations',
    name: 'flux-system',
  };
  const object = (await custom.getNamespacedCustomObject(ref)) as { metadata: { generation: number } };
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await custom.patchNamespacedCustomObjectStatus(
    {
      ...ref,
      body: {
        status: {
          observedGeneration: object.metadata.generation,
          conditions: conditions.map((c) => ({
            ...c,
            lastTransitionTime: now,
            observedGeneration: object.metadata.generation,
          })),
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function createShoot(
  seed: KubeConfig,
  namespace: string,
  kubeconfig: string,
  fluxNamespace: string,
): Promise<void> {
  const core = seed.makeApiClient(CoreV1Api);
  const custom = seed.makeApiClient(CustomObjectsApi);
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
  });
  await custom.createClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'clusters',
    body: buildClusterObject(
      namespace,
      buildShootObject(namespace, { name: namespace.split('--').pop() ?? '' }),
    ),
  });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'gardener' },
      data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') },
    },
  });
  await custom.createNamespacedCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    namespace,
    plural: 'extensions',
    body: buildExtensionObject({
      providerConfig: {
        apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
        kind: 'FluxConfig',
        flux: { namespace: fluxNamespace },
        source: {
          template: {
            apiVersion: 'source.toolkit.fluxcd.io/v1',
            kind: 'GitRepository',
            spec: { url: 'https://git.example.com/org/fleet.git', ref: { branch: 'main' } },
          },
        },
        kustomization: { template: { spec: { path: './clusters/shoot' } } },
      },
    }),
  });
}

async function fluxSynced(seed: KubeConfig, namespace: string): Promise<string | undefined> {
  const extension = (await seed.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    namespace,
    plural: 'extensions',
    name: 'shoot-flux',
  })) as Extension;
  return extension.status?.conditions?.find((c) => c.type === 'FluxSynced')?.status;
}

async function requestCount(manager: Manager): Promise<{ all: number; patches: number; checks: number }> {
  const sum = async (name: string, filter: (labels: Partial<Record<string, string | number>>) => boolean) => {
    const metric = manager.metrics.registry.getSingleMetric(name);
    const { values: series } = (await metric?.get()) ?? { values: [] };
    return series.filter((v) => filter(v.labels)).reduce((s, v) => s + v.value, 0);
  };
  return {
    all: await sum('rest_client_requests_total', () => true),
    patches: await sum('rest_client_requests_total', (l) => l.verb === 'patch'),
    checks: await sum('shoot_flux_health_checks_total', () => true),
  };
}

async function startManager(seed: KubeConfig, bundleBase: string, watch: boolean): Promise<Manager> {
  const manager = new Manager({
    kubeConfig: seed,
    createActuator: (dependencies) =>
      createShootFluxActuator(
        {
          gardenClusterIdentity: 'bench',
          fluxManifestsBases: [bundleBase],
          shootClientMode: 'internal',
          reconcileTimeoutMs: 180_000,
          healthCheck: { periodMs, heartbeatMs: 5 * 60_000, watch },
        },
        dependencies,
      ),
    logger: discardLogger,
    extensionClasses: [],
    ignoreOperationAnnotation: false,
    maxConcurrentReconciles: 5,
    reconcileTimeoutMs: 180_000,
    metricsBindAddress: '0',
    healthBindAddress: '0',
    defaultMetrics: false,
  });
  await manager.start();
  return manager;
}

async function failureLatency(seed: KubeConfig, shoot: KubeConfig, index: number): Promise<number> {
  const started = Date.now();
  await setKustomization(shoot, `flux-health-${index}`, failed);
  while ((await fluxSynced(seed, `shoot--bench--h${index}`)) !== 'False') await sleep(50);
  const latency = Date.now() - started;
  await setKustomization(shoot, `flux-health-${index}`, ready);
  while ((await fluxSynced(seed, `shoot--bench--h${index}`)) !== 'True') await sleep(50);
  return latency;
}

const planes: ControlPlane[] = [];
try {
  const bundleBase = await makeFluxManifestsBase();
  const [seed, shoot] = await Promise.all([
    startControlPlane({ name: 'bench-health-seed', crds: ['gardener'] }),
    startControlPlane({ name: 'bench-health-shoot', crds: ['flux'] }),
  ]);
  planes.push(seed, shoot);
  const kubelet = await startKubelet(shoot.kubeConfig);
  const stopFlux = startFluxStandIn(shoot.kubeConfig);
  const access = await buildShootAccessKubeconfig(shoot);
  let manager = await startManager(seed.kubeConfig, bundleBase, false);
  const setupStart = Date.now();
  for (let i = 0; i < shootCount; i++) {
    await createShoot(seed.kubeConfig, `shoot--bench--h${i}`, access, `flux-health-${i}`);
  }
  for (let i = 0; i < shootCount; i++) {
    while ((await fluxSynced(seed.kubeConfig, `shoot--bench--h${i}`)) !== 'True') await sleep(200);
  }
  print(`## health: ${shootCount} bootstrapped shoots, one controller, period ${values.period}`);
  print(`bootstrapped and first checked in ${((Date.now() - setupStart) / 1000).toFixed(1)} s`);
  // Steady state: let the bootstrap's own traffic settle for a period, then measure three periods.
  await sleep(periodMs);
  const before = await requestCount(manager);
  let peakRss = 0;
  const window = 3 * periodMs;
  const windowStart = Date.now();
  while (Date.now() - windowStart < window) {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await sleep(100);
  }
  const after = await requestCount(manager);
  const seconds = (Date.now() - windowStart) / 1000;
  const rate = (n: number) => (n / seconds).toFixed(1);
  print(
    `steady state over ${seconds.toFixed(0)} s: ${rate(after.all - before.all)} requests/s (shoot and seed), ${rate(after.patches - before.patches)} writes/s, ${rate(after.checks - before.checks)} health checks/s`,
  );
  print(
    `  (at the 30 s default period: ${((((after.all - before.all) / seconds) * periodMs) / 30_000).toFixed(1)} requests/s for these shoots)`,
  );
  print(`bench process (controller, kubelet and Flux stand-ins): RSS peak ${mib(peakRss)}`);
  const periodic = await failureLatency(seed.kubeConfig, shoot.kubeConfig, 0);
  print(
    `played Kustomization failure → FluxSynced=False, periodic: ${(periodic / 1000).toFixed(2)} s (period ${values.period})`,
  );
  await manager.stop();
  manager = await startManager(seed.kubeConfig, bundleBase, true);
  // Let the first round open the watches.
  await sleep(periodMs * 1.5);
  const watched = [] as number[];
  for (const i of [1, 2, 3])
    if (i < shootCount) watched.push(await failureLatency(seed.kubeConfig, shoot.kubeConfig, i));
  print(
    `played Kustomization failure → FluxSynced=False, watched: ${watched.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s`,
  );
  await manager.stop();
  stopFlux();
  await kubelet.stop();
} finally {
  await Promise.all(planes.map((p) => p.stop()));
}
