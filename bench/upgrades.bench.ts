// Fleet upgrade figures (syncMode Full): N shoots bootstrapped by the real controller against real
// seed and shoot API servers (the bench plays gardenlet, the kubelet and Flux), then the landscape
// default raised with every maintenance window open (no window: the whole day). Prints the time
// until every shoot runs the new version, requests per shoot, peak RSS, and the requests of a
// resync of the same fleet with nothing changed. Asserts nothing.
//   npm run bench:upgrades [-- --shoots 200 --max-concurrent-upgrades 10 --wait-minutes 20]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { LandscapeFluxPolicy } from '../src/api/landscape-policy.js';
import { createShootFluxActuator } from '../src/controller/composition.js';
import { Manager } from '../src/controller/manager.js';
import type { Extension } from '../src/gardener/types.js';
import { discardLogger } from '../src/log/logger.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { writeDerivedFluxBundle } from '../test/harness/derived-flux-bundle.js';
import { buildShootAccessKubeconfig, makeFluxManifestsBase } from '../test/harness/gardener-objects.js';
import { startKubelet } from '../test/harness/kubelet.js';
import { FluxPlayer } from '../test/harness/flux-player.js';
import { createBenchShoot } from './support/bench-shoots.js';

const { values } = parseArgs({
  options: {
    shoots: { type: 'string', default: '200' },
    'max-concurrent-upgrades': { type: 'string', default: '10' },
    'wait-minutes': { type: 'string', default: '20' },
  },
});
const shootCount = Number(values.shoots);
const maxConcurrentUpgrades = Number(values['max-concurrent-upgrades']);
/** How long each phase may take before the bench reports where the unfinished shoots are. */
const waitMs = Number(values['wait-minutes']) * 60_000;
const from = 'v2.9.2';
const to = 'v2.9.3';
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const print = (line: string) => process.stdout.write(`${line}\n`);
const writeVerbs = ['apply', 'patch', 'update', 'create', 'delete'];

/** Requests the actuator sent (shoot and its seed reads), by verb. */
class RequestCount {
  readonly byVerb = new Map<string, number>();
  observe = (verb: string) => {
    this.byVerb.set(verb, (this.byVerb.get(verb) ?? 0) + 1);
  };
  total(verbs?: readonly string[]): number {
    return [...this.byVerb.entries()]
      .filter(([verb]) => verbs === undefined || verbs.includes(verb))
      .reduce((sum, [, n]) => sum + n, 0);
  }
  reset(): void {
    this.byVerb.clear();
  }
  describe(): string {
    return [...this.byVerb.entries()]
      .sort()
      .map(([verb, n]) => `${verb} ${n}`)
      .join(', ');
  }
}

async function startBenchManager(
  seed: KubeConfig,
  bases: string[],
  landscape: LandscapeFluxPolicy,
  count: RequestCount,
): Promise<Manager> {
  const manager = new Manager({
    kubeConfig: seed,
    createActuator: (dependencies) =>
      createShootFluxActuator(
        {
          gardenClusterIdentity: 'bench',
          fluxManifestsBases: bases,
          shootClientMode: 'internal',
          reconcileTimeoutMs: 180_000,
          landscape,
          maxConcurrentFluxUpgrades: maxConcurrentUpgrades,
        },
        {
          ...dependencies,
          requestObserver: (verb, code) => {
            dependencies.requestObserver(verb, code);
            count.observe(verb);
          },
        },
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

function fluxStateOf(extension: Extension): { fluxVersion?: string; bootstrapped?: boolean } {
  return (
    (extension.status?.state as { flux?: { fluxVersion?: string; bootstrapped?: boolean } } | undefined)
      ?.flux ?? {}
  );
}

async function annotateAll(seed: KubeConfig, namespaces: readonly string[]): Promise<void> {
  const custom = seed.makeApiClient(CustomObjectsApi);
  for (const namespace of namespaces) {
    await custom.patchNamespacedCustomObject(
      {
        group: 'extensions.gardener.cloud',
        version: 'v1alpha1',
        namespace,
        plural: 'extensions',
        name: 'shoot-flux',
        body: { metadata: { annotations: { 'gardener.cloud/operation': 'reconcile' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

/**
 * Polls (one list of every Extension a second, at most `--wait-minutes`) until `done` holds for every
 * namespace; resolves with the ms it took, how many finished, and the bench process's peak RSS.
 */
async function waitForAll(
  seed: KubeConfig,
  namespaces: readonly string[],
  done: (extension: Extension) => boolean,
): Promise<{ ms: number; finished: number; peakRss: number; unfinished: Extension[] }> {
  const started = Date.now();
  const wanted = new Set(namespaces);
  let unfinished: Extension[] = [];
  const custom = seed.makeApiClient(CustomObjectsApi);
  let finished = 0;
  let peakRss = 0;
  while (finished < namespaces.length && Date.now() - started < waitMs) {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const list = (await custom.listClusterCustomObject({
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      plural: 'extensions',
    })) as { items: Extension[] };
    const ours = list.items.filter((e) => wanted.has(e.metadata.namespace ?? ''));
    unfinished = ours.filter((e) => !done(e));
    finished = ours.length - unfinished.length;
    if (finished < namespaces.length) await new Promise((r) => setTimeout(r, 1000));
  }
  return { ms: Date.now() - started, finished, peakRss, unfinished };
}

/** Where the Extensions that did not finish are, by lastOperation state and description. */
function describeUnfinished(extensions: readonly Extension[]): string {
  const counts = new Map<string, number>();
  for (const extension of extensions) {
    const operation = extension.status?.lastOperation;
    const key = `${operation?.state ?? 'no status'}: ${(operation?.description ?? '').slice(0, 160)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([key, n]) => `  ${String(n)} × ${key}`)
    .join('\n');
}

async function reconcileTotal(manager: Manager): Promise<number> {
  const { values: samples } = (await manager.metrics.registry
    .getSingleMetric('controller_runtime_reconcile_total')
    ?.get()) ?? { values: [] };
  return samples.reduce((sum, v) => sum + v.value, 0);
}

async function main(): Promise<void> {
  print(
    `## fleet upgrade: ${shootCount} shoots in syncMode Full, default ${from} → ${to}, every window open`,
  );
  const planes: ControlPlane[] = [];
  try {
    const [seed, shoot] = await Promise.all([
      startControlPlane({ name: 'bench-seed', crds: ['gardener'] }),
      // 200 Flux installations hold 600 Services: more than the harness's default range.
      startControlPlane({ name: 'bench-shoot', crds: ['flux'], serviceClusterIpRange: '10.0.0.0/16' }),
    ]);
    planes.push(seed, shoot);
    const derived = await mkdtemp(path.join(tmpdir(), 'shoot-flux-bench-bundles-'));
    await writeDerivedFluxBundle(derived, from, to, 'bench');
    const bases = [await makeFluxManifestsBase(), derived];
    const kubelet = await startKubelet(shoot.kubeConfig);
    const flux = new FluxPlayer(shoot.kubeConfig).startReadyLoop();
    const accessKubeconfig = await buildShootAccessKubeconfig(shoot);
    const namespaces = Array.from({ length: shootCount }, (_, i) => `shoot--bench--u${i}`);

    const count = new RequestCount();
    let manager = await startBenchManager(seed.kubeConfig, bases, { defaultVersion: from }, count);
    for (const [i, namespace] of namespaces.entries())
      await createBenchShoot(seed.kubeConfig, namespace, accessKubeconfig, `flux-u${i}`, false, 'Full');
    const bootstrap = await waitForAll(
      seed.kubeConfig,
      namespaces,
      (e) => fluxStateOf(e).bootstrapped === true,
    );
    print(
      `bootstrapped ${bootstrap.finished}/${shootCount} at ${from} in ${(bootstrap.ms / 1000).toFixed(1)} s`,
    );
    if (bootstrap.unfinished.length > 0) print(describeUnfinished(bootstrap.unfinished));
    // The first Full reconcile records the installation it finds (one apply per object).
    await annotateAll(seed.kubeConfig, namespaces);
    const settled = await reconcileTotal(manager);
    await waitForAll(
      seed.kubeConfig,
      namespaces,
      (e) => e.metadata.annotations?.['gardener.cloud/operation'] === undefined,
    );
    while ((await reconcileTotal(manager)) < settled + shootCount)
      await new Promise((r) => setTimeout(r, 200));
    await manager.stop();

    count.reset();
    manager = await startBenchManager(seed.kubeConfig, bases, { defaultVersion: to }, count);
    await annotateAll(seed.kubeConfig, namespaces);
    const upgrade = await waitForAll(seed.kubeConfig, namespaces, (e) => fluxStateOf(e).fluxVersion === to);
    print(
      `upgraded ${upgrade.finished}/${shootCount} to ${to} in ${(upgrade.ms / 1000).toFixed(1)} s ` +
        `(at most ${maxConcurrentUpgrades} at once)`,
    );
    if (upgrade.unfinished.length > 0) print(describeUnfinished(upgrade.unfinished));
    print(
      `requests by the actuator during the upgrade: ${count.total()} (${(count.total() / shootCount).toFixed(1)} per shoot; ${count.describe()})`,
    );
    print(`bench process (controller, kubelet and Flux stand-ins): RSS peak ${mib(upgrade.peakRss)}`);

    count.reset();
    const before = await reconcileTotal(manager);
    await annotateAll(seed.kubeConfig, namespaces);
    while ((await reconcileTotal(manager)) < before + shootCount)
      await new Promise((r) => setTimeout(r, 200));
    print(
      `resync of ${shootCount} unchanged shoots: ${count.total(writeVerbs)} writes by the actuator, ` +
        `${count.total()} requests (${count.describe()})`,
    );
    await manager.stop();
    flux.stop();
    await kubelet.stop();
  } finally {
    await Promise.all(planes.map((p) => p.stop()));
  }
}

await main();
