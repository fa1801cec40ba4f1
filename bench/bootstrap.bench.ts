// Speed and memory figures: pure config evaluation and install rendering, and N shoots
// bootstrapped at once by the real controller against real seed and shoot API servers (the bench
// plays gardenlet, the kubelet and Flux), and how long a healthy shoot waits next to shoots whose
// API servers accept TLS and never answer. Prints figures; asserts nothing.
//   npm run bench [-- --shoots 20 --silent 6]   (--silent 0 skips the silent-shoot figures)
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { evaluateFluxConfig } from '../src/api/evaluate.js';
import type { Manager } from '../src/controller/manager.js';
import { FluxBundleLoader } from '../src/flux/bundle-loader.js';
import { buildFluxInstallOptions } from '../src/flux/install/options.js';
import { renderInstallManifests } from '../src/flux/install/render.js';
import { evaluateExtensionReadiness } from '../src/gardener/status.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { FluxPlayer } from '../test/harness/flux-player.js';
import { Gardenlet } from '../test/harness/gardenlet.js';
import { buildShootAccessKubeconfig, makeFluxManifestsBase } from '../test/harness/gardener-objects.js';
import { startKubelet } from '../test/harness/kubelet.js';
import { startSilentServer, type SilentServer } from '../test/harness/silent-server.js';
import { startTestManager } from '../test/harness/test-manager.js';
import { providerConfig, shootResources } from './support/bench-shoots.js';

const { values } = parseArgs({
  options: { shoots: { type: 'string', default: '20' }, silent: { type: 'string', default: '6' } },
});
const shootCount = Number(values.shoots);
const silentCount = Number(values.silent);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const print = (line: string) => process.stdout.write(`${line}\n`);

function timeLoop(iterations: number, body: () => void): { perOpUs: number; opsPerSecond: number } {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  const ns = Number(process.hrtime.bigint() - start);
  return { perOpUs: ns / iterations / 1000, opsPerSecond: (iterations * 1e9) / ns };
}

async function pureFigures(bundleBase: string): Promise<void> {
  print('## pure code');
  const evaluation = timeLoop(20_000, () => {
    evaluateFluxConfig(providerConfig('flux-system'), { shootResources });
  });
  print(
    `evaluateFluxConfig (decode+default+validate): ${evaluation.perOpUs.toFixed(1)} µs/op, ${evaluation.opsPerSecond.toFixed(0)} ops/s`,
  );
  const bundle = await new FluxBundleLoader({ bases: [bundleBase] }).load('v2.9.2');
  const options = buildFluxInstallOptions({});
  const render = timeLoop(200, () => {
    renderInstallManifests(bundle, options);
  });
  print(
    `renderInstallManifests (v2.9.2, 4 components, 32 objects): ${(render.perOpUs / 1000).toFixed(2)} ms/op`,
  );
}

async function controllerFigures(bundleBase: string): Promise<void> {
  print(`## controller: ${shootCount} shoots bootstrapped at once (real seed and shoot API servers)`);
  const planes: ControlPlane[] = [];
  try {
    const [seed, shoot] = await Promise.all([
      startControlPlane({ name: 'bench-seed', crds: ['gardener'] }),
      startControlPlane({ name: 'bench-shoot', crds: ['flux'] }),
    ]);
    planes.push(seed, shoot);
    const kubelet = await startKubelet(shoot.kubeConfig);
    const flux = new FluxPlayer(shoot.kubeConfig).startReadyLoop();
    const heapBefore = process.memoryUsage();
    const manager = await startBenchManager(seed.kubeConfig, bundleBase);
    const accessKubeconfig = await buildShootAccessKubeconfig(shoot);
    const created = new Map<Gardenlet, number>();
    const started = Date.now();
    for (let i = 0; i < shootCount; i++) {
      const namespace = `shoot--bench--s${i}`;
      const gardenlet = await createBenchShoot(
        seed.kubeConfig,
        namespace,
        accessKubeconfig,
        `flux-bench-${i}`,
        true,
      );
      created.set(gardenlet, Date.now());
    }
    const durations = new Map<Gardenlet, number>();
    let peakRss = 0;
    while (durations.size < shootCount && Date.now() - started < 600_000) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      for (const [gardenlet, createdAt] of created) {
        if (durations.has(gardenlet)) continue;
        if (await isReady(gardenlet)) durations.set(gardenlet, Date.now() - createdAt);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const total = Date.now() - started;
    const sorted = [...durations.values()].sort((a, b) => a - b);
    const quantile = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    const requests = (
      await manager.metrics.registry.getSingleMetricAsString('rest_client_requests_total').catch(() => '')
    )
      .split('\n')
      .filter((l) => !l.startsWith('#') && l.trim() !== '')
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    print(`bootstrapped: ${durations.size}/${shootCount} in ${(total / 1000).toFixed(1)} s`);
    print(
      `per shoot (Extension created → gardenlet-ready): p50 ${(quantile(0.5) / 1000).toFixed(2)} s, p95 ${(quantile(0.95) / 1000).toFixed(2)} s, max ${((sorted.at(-1) ?? 0) / 1000).toFixed(2)} s`,
    );
    print(
      `Kubernetes requests by the controller: ${requests} (${(requests / shootCount).toFixed(0)} per shoot)`,
    );
    print(
      `bench process (controller, kubelet and Flux stand-ins): RSS peak ${mib(peakRss)}, heap used ${mib(heapBefore.heapUsed)} → ${mib(process.memoryUsage().heapUsed)}`,
    );
    await manager.stop();
    flux.stop();
    await kubelet.stop();
  } finally {
    await Promise.all(planes.map((p) => p.stop()));
  }
}

/** One shoot as gardenlet creates it: seed namespace, Cluster, access secret(s), Extension. */
async function createBenchShoot(
  seed: KubeConfig,
  namespace: string,
  kubeconfig: string,
  fluxNamespace: string,
  /** With the Git credentials resource (`ref-git-auth` in the seed) the config refers to. */
  withGitSecret: boolean,
): Promise<Gardenlet> {
  const gardenlet = new Gardenlet(seed, { namespace, shootAccessKubeconfig: kubeconfig });
  const name = namespace.split('--').pop() ?? '';
  await gardenlet.createShoot({ name, resources: withGitSecret ? shootResources : undefined });
  if (withGitSecret) await gardenlet.writeSecret('ref-git-auth', { password: 'pw' });
  const config = providerConfig(fluxNamespace);
  await gardenlet.createExtension(
    withGitSecret ? config : { ...config, source: { template: config.source.template } },
  );
  return gardenlet;
}

/** The controller as `run` wires it, with the production defaults. */
async function startBenchManager(seed: KubeConfig, bundleBase: string): Promise<Manager> {
  return startTestManager({
    kubeConfig: seed,
    shootFlux: {
      gardenClusterIdentity: 'bench',
      fluxManifestsBases: [bundleBase],
      reconcileTimeoutMs: 180_000,
    },
    manager: { informerBackoffMs: undefined },
  });
}

async function isReady(gardenlet: Gardenlet): Promise<boolean> {
  return evaluateExtensionReadiness(await gardenlet.extension()) === undefined;
}

/**
 * A healthy shoot next to `silentCount` shoots whose API servers accept TLS and never answer,
 * with the production defaults (5 workers, 30 s request and 10 s connect timeouts): once created
 * together with them (all new, nothing known yet), once after they timed out once.
 */
async function silentFleetFigures(bundleBase: string): Promise<void> {
  print(`## controller: a healthy shoot next to ${silentCount} silent shoots (production timeouts)`);
  const planes: ControlPlane[] = [];
  const silent: SilentServer[] = [];
  try {
    const [seed, shoot] = await Promise.all([
      startControlPlane({ name: 'bench-seed', crds: ['gardener'] }),
      startControlPlane({ name: 'bench-shoot', crds: ['flux'] }),
    ]);
    planes.push(seed, shoot);
    const healthyKubeconfig = await buildShootAccessKubeconfig(shoot);
    const kubelet = await startKubelet(shoot.kubeConfig);
    const flux = new FluxPlayer(shoot.kubeConfig).startReadyLoop();
    const manager = await startBenchManager(seed.kubeConfig, bundleBase);
    const timeHealthy = async (label: string, namespace: string) => {
      const started = Date.now();
      const gardenlet = await createBenchShoot(
        seed.kubeConfig,
        namespace,
        healthyKubeconfig,
        `flux-${namespace.slice(-6)}`,
        false,
      );
      while (!(await isReady(gardenlet)) && Date.now() - started < 600_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      print(`${label}: healthy shoot gardenlet-ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
    for (let i = 0; i < silentCount; i++) {
      const server = await startSilentServer('tls');
      silent.push(server);
      const kubeconfig = await buildShootAccessKubeconfig({
        server: server.server,
        token: 'silent',
        caFile: server.caFile,
      });
      await createBenchShoot(seed.kubeConfig, `shoot--silent--s${i}`, kubeconfig, `flux-silent-${i}`, false);
    }
    await timeHealthy('created together with the silent ones', 'shoot--silent--healthy1');
    await timeHealthy('created after they timed out', 'shoot--silent--healthy2');
    await manager.stop();
    flux.stop();
    await kubelet.stop();
  } finally {
    await Promise.all(silent.map((s) => s.stop()));
    await Promise.all(planes.map((p) => p.stop()));
  }
}

const bundleBase = await makeFluxManifestsBase();
await pureFigures(bundleBase);
await controllerFigures(bundleBase);
if (silentCount > 0) await silentFleetFigures(bundleBase);
process.exit(0);
