// Day-2 health at fleet scale: N bootstrapped shoots on one controller (the built CLI, its own
// process) against a real seed and a few real shoot API servers, one Flux namespace per shoot.
// The fleet is written as a finished bootstrap leaves it (bench/support/played-bootstrap.ts); the
// bench plays gardenlet, the kubelet and Flux. Prints: requests per second to the shoots and to
// the seed in steady state, the controller's peak RSS, and the time from a played Flux failure to
// FluxSynced=False, by period and with the health watch.
//   npm run bench:health [-- --shoots 1000 --shoot-servers 2 --period 30s --heartbeat 5m --samples 5]
import { parseArgs } from 'node:util';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { parseDurationFlag } from '../src/cli/run-flags.js';
import type { ControlPlane } from '../test/harness/control-plane.js';
import {
  buildAccessKubeconfigs,
  buildFleetShoots,
  countHealthWrites,
  createFleetShoot,
  readApiServerRequests,
  recordStatusChanges,
  runBounded,
  startFleetController,
  startFleetPlanes,
  sumRequests,
  type FleetController,
  type FleetPlanes,
  type FleetShoot,
} from './support/fleet.js';
import {
  playExtensionBootstrapped,
  playShootBootstrap,
  readFluxDeployments,
  writeKustomizationHealth,
} from './support/played-bootstrap.js';

const { values } = parseArgs({
  options: {
    shoots: { type: 'string', default: '1000' },
    'shoot-servers': { type: 'string', default: '2' },
    period: { type: 'string', default: '30s' },
    heartbeat: { type: 'string', default: '5m' },
    samples: { type: 'string', default: '5' },
    'build-concurrency': { type: 'string', default: '16' },
  },
});
const shootCount = Number(values.shoots);
const shootServers = Number(values['shoot-servers']);
const periodMs = parseDurationFlag(values.period);
const sampleCount = Math.min(Number(values.samples), shootCount);
const print = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ExtensionList {
  items: { metadata: { namespace: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/** FluxSynced of every Extension in the seed, by seed namespace. */
async function readFluxSynced(seed: KubeConfig): Promise<Map<string, string | undefined>> {
  const list = (await seed.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'extensions',
  })) as ExtensionList;
  return new Map(
    list.items.map((e) => [
      e.metadata.namespace,
      e.status?.conditions?.find((c) => c.type === 'FluxSynced')?.status,
    ]),
  );
}

async function readOneFluxSynced(seed: KubeConfig, namespace: string): Promise<string | undefined> {
  const extension = (await seed.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    namespace,
    plural: 'extensions',
    name: 'shoot-flux',
  })) as ExtensionList['items'][number];
  return extension.status?.conditions?.find((c) => c.type === 'FluxSynced')?.status;
}

/** Waits until every shoot's FluxSynced is `status`; resolves with the time it took. */
async function waitForFleet(seed: KubeConfig, status: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const synced = await readFluxSynced(seed);
    const done = [...synced.values()].filter((s) => s === status).length;
    if (done >= shootCount) return Date.now() - started;
    await sleep(2_000);
  }
}

/** Requests answered by each API server so far. */
async function readRequests(
  planes: FleetPlanes,
): Promise<{ seed: number; shoots: number; seedByKind: Map<string, number> }> {
  const [seed, ...shoots] = await Promise.all(
    [planes.seed, ...planes.shoots].map((plane: ControlPlane) => readApiServerRequests(plane)),
  );
  const seedByKind = seed ?? new Map<string, number>();
  return {
    seed: sumRequests(seedByKind),
    shoots: shoots.map(sumRequests).reduce((a, b) => a + b, 0),
    seedByKind,
  };
}

/** The request kinds that grew most between two readings, as `verb resource n/s`. */
function describeGrowth(before: Map<string, number>, after: Map<string, number>, elapsed: number): string {
  return [...after]
    .map(([key, count]) => [key, (count - (before.get(key) ?? 0)) / elapsed] as const)
    .filter(([, rate]) => rate > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([key, rate]) => `${key} ${rate.toFixed(1)}/s`)
    .join(', ');
}

/** Request rates per second of the seed and the shoots over `windowMs`. */
async function measureRates(planes: FleetPlanes, windowMs: number, controller?: FleetController) {
  const before = await readRequests(planes);
  const own = controller ? await controller.metricSum('rest_client_requests_total') : 0;
  const writes = controller
    ? await controller.metricSum('rest_client_requests_total', (l) => l.includes('verb="patch"'))
    : 0;
  const checks = controller ? await controller.metricSum('shoot_flux_health_checks_total') : 0;
  const changes = await recordStatusChanges(planes.seed.kubeConfig);
  let rss = 0;
  const started = Date.now();
  while (Date.now() - started < windowMs) {
    if (controller) rss = Math.max(rss, (await controller.memory()).rss);
    await sleep(1_000);
  }
  const after = await readRequests(planes);
  const statusChanges = changes.stop();
  const writesDue = controller ? await countHealthWrites(controller.logFile, started, Date.now()) : [];
  const elapsed = (Date.now() - started) / 1000;
  return {
    seed: (after.seed - before.seed) / elapsed,
    shoots: (after.shoots - before.shoots) / elapsed,
    own: controller ? ((await controller.metricSum('rest_client_requests_total')) - own) / elapsed : 0,
    writes: controller
      ? ((await controller.metricSum('rest_client_requests_total', (l) => l.includes('verb="patch"'))) -
          writes) /
        elapsed
      : 0,
    checks: controller
      ? ((await controller.metricSum('shoot_flux_health_checks_total')) - checks) / elapsed
      : 0,
    rss,
    elapsed,
    seedGrowth: describeGrowth(before.seedByKind, after.seedByKind, elapsed),
    writesDue: writesDue.map(([due, n]) => `${due} ×${String(n)}`).join(', ') || 'none',
    statusChanges:
      statusChanges.length === 0
        ? 'none'
        : statusChanges
            .slice(0, 5)
            .map(([change, n]) => `${change} ×${String(n)}`)
            .join(', '),
  };
}

/**
 * Plays a Kustomization failure on each sample shoot at once and measures, per shoot, the time
 * until its Extension says FluxSynced=False; then plays the fix and waits for True again.
 */
async function measureFailureLatency(seed: KubeConfig, samples: readonly FleetShoot[]): Promise<number[]> {
  const latencies = await Promise.all(
    samples.map(async (shoot) => {
      const started = Date.now();
      await writeKustomizationHealth(shoot, true);
      while ((await readOneFluxSynced(seed, shoot.seedNamespace)) !== 'False') await sleep(100);
      return Date.now() - started;
    }),
  );
  await Promise.all(
    samples.map(async (shoot) => {
      await writeKustomizationHealth(shoot, false);
      while ((await readOneFluxSynced(seed, shoot.seedNamespace)) !== 'True') await sleep(250);
    }),
  );
  return latencies;
}

function describeRates(
  label: string,
  rates: Awaited<ReturnType<typeof measureRates>>,
  idle: typeof rates,
): string {
  return [
    `${label} over ${rates.elapsed.toFixed(0)} s:`,
    `shoots ${(rates.shoots - idle.shoots).toFixed(1)} req/s,`,
    `seed ${(rates.seed - idle.seed).toFixed(1)} req/s (idle API server traffic subtracted);`,
    `the controller counted ${rates.own.toFixed(1)} req/s, of them ${rates.writes.toFixed(2)} writes/s;`,
    `${rates.checks.toFixed(1)} health checks/s; RSS ${mib(rates.rss)}`,
    `\n  seed requests by kind: ${rates.seedGrowth}`,
    `\n  Extension status changes: ${rates.statusChanges}; health writes due to: ${rates.writesDue}`,
  ].join(' ');
}

const planes = await startFleetPlanes('bench-health', shootServers);
try {
  const seed = planes.seed.kubeConfig;
  const shoots = buildFleetShoots(shootCount, planes.shoots);
  const access = await buildAccessKubeconfigs(planes.shoots);
  const deployments = await readFluxDeployments();
  print(
    `## health: ${String(shootCount)} bootstrapped shoots on ${String(shootServers)} shoot API server(s), one controller, period ${values.period}, heartbeat ${values.heartbeat}`,
  );
  const buildStart = Date.now();
  await runBounded(shoots, Number(values['build-concurrency']), async (shoot) => {
    await createFleetShoot(seed, shoot, access.get(shoot.shoot.server) ?? '', { annotate: false });
    await playShootBootstrap(shoot, deployments);
    await playExtensionBootstrapped(seed, shoot);
  });
  print(`fleet written (as bootstrapped) in ${seconds(Date.now() - buildStart)}`);
  // What the API servers answer with nobody calling them (their own loopback clients).
  const idle = await measureRates(planes, 15_000);
  print(
    `idle API servers: seed ${idle.seed.toFixed(1)} req/s (${idle.seedGrowth}), shoots ${idle.shoots.toFixed(1)} req/s`,
  );

  const healthFlags = [
    `--health-check-sync-period=${values.period}`,
    `--health-check-heartbeat-period=${values.heartbeat}`,
    // Its "Writing health status" lines say why each status write was due.
    '--log-level=debug',
  ];
  let controller = await startFleetController(planes, healthFlags);
  const firstRound = await waitForFleet(seed, 'True');
  print(
    `first health round: every shoot FluxSynced=True ${seconds(firstRound)} after the controller was ready`,
  );
  await sleep(periodMs);
  const periodic = await measureRates(planes, 2 * periodMs, controller);
  print(describeRates('steady state, periodic', periodic, idle));
  const samples = shoots
    .filter((_, i) => i % Math.ceil(shootCount / sampleCount) === 0)
    .slice(0, sampleCount);
  const byPeriod = await measureFailureLatency(seed, samples);
  print(
    `played Kustomization failure → FluxSynced=False, by period (${values.period}): ${byPeriod.map(seconds).join(', ')}`,
  );
  const memoryPeriodic = await controller.memory();
  print(`controller RSS, periodic: peak ${mib(memoryPeriodic.peakRss)}, now ${mib(memoryPeriodic.rss)}`);
  await controller.stop();

  controller = await startFleetController(planes, [
    `--health-check-sync-period=${values.period}`,
    '--health-check-watch',
  ]);
  // The first round opens a watch per shoot after checking it.
  const watchStart = Date.now();
  while ((await controller.metricSum('shoot_flux_health_checks_total')) < shootCount) await sleep(1_000);
  print(`watched: first round done ${seconds(Date.now() - watchStart)} after the controller was ready`);
  await sleep(periodMs);
  const watchedRates = await measureRates(planes, 2 * periodMs, controller);
  print(describeRates('steady state, watched', watchedRates, idle));
  const watched = await measureFailureLatency(seed, samples);
  print(`played Kustomization failure → FluxSynced=False, watched: ${watched.map(seconds).join(', ')}`);
  const memoryWatched = await controller.memory();
  print(`controller RSS, watched: peak ${mib(memoryWatched.peakRss)}, now ${mib(memoryWatched.rss)}`);
  await controller.stop();
} finally {
  await planes.stop();
}
