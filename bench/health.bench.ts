// Day-2 health at fleet scale: N shoots bootstrapped by the real controller against real seed and
// shoot API servers (one shoot API server, one Flux namespace per shoot; the bench plays
// gardenlet, the kubelet and Flux), then steady-state requests per second and peak RSS, and the
// time from a played Flux failure to FluxSynced=False, periodic and watched. Prints figures.
//   npm run bench:health [-- --shoots 20 --period 5s]
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseDurationFlag } from '../src/cli/run-flags.js';
import type { Manager } from '../src/controller/manager.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { FluxPlayer, type FluxCondition } from '../test/harness/flux-player.js';
import { Gardenlet } from '../test/harness/gardenlet.js';
import { buildShootAccessKubeconfig, makeFluxManifestsBase } from '../test/harness/gardener-objects.js';
import { startKubelet } from '../test/harness/kubelet.js';
import { startTestManager } from '../test/harness/test-manager.js';

const { values } = parseArgs({
  options: { shoots: { type: 'string', default: '20' }, period: { type: 'string', default: '5s' } },
});
const shootCount = Number(values.shoots);
const periodMs = parseDurationFlag(values.period);
const print = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ready: FluxCondition[] = [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }];
const failed: FluxCondition[] = [
  { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed' },
];

async function setKustomization(
  shoot: KubeConfig,
  namespace: string,
  conditions: FluxCondition[],
): Promise<void> {
  await new FluxPlayer(shoot).setStatus('kustomizations', 'flux-system', namespace, conditions);
}

async function createShoot(
  seed: KubeConfig,
  namespace: string,
  kubeconfig: string,
  fluxNamespace: string,
): Promise<void> {
  const gardenlet = new Gardenlet(seed, { namespace, shootAccessKubeconfig: kubeconfig });
  await gardenlet.createShoot({ name: namespace.split('--').pop() ?? '' });
  await gardenlet.createExtension({
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
  });
}

async function fluxSynced(seed: KubeConfig, namespace: string): Promise<string | undefined> {
  return (await new Gardenlet(seed, { namespace }).condition('FluxSynced'))?.status;
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
  return startTestManager({
    kubeConfig: seed,
    shootFlux: {
      gardenClusterIdentity: 'bench',
      fluxManifestsBases: [bundleBase],
      reconcileTimeoutMs: 180_000,
      healthCheck: { periodMs, heartbeatMs: 5 * 60_000, watch },
    },
    manager: { informerBackoffMs: undefined },
  });
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
  const flux = new FluxPlayer(shoot.kubeConfig).startReadyLoop();
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
  flux.stop();
  await kubelet.stop();
} finally {
  await Promise.all(planes.map((p) => p.stop()));
}
