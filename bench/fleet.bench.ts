// A fleet on one replica: N Extensions (one Flux namespace each) spread over a handful of shoot
// API servers, reconciled by the built CLI's `run` as a separate process, so its RSS, sockets
// and event loop are its own (the bench plays gardenlet, the kubelet and Flux). Prints:
// bootstrap time of half the fleet at the default concurrency and of the other half at a higher
// one; a full resync of every unchanged shoot (a controller restart, which reconciles them all);
// requests, writes, Events and info log lines of that resync; the controller's peak RSS, open
// sockets and event-loop delay p99; its memory before and after half the Extensions are deleted.
// Prints figures; asserts nothing.
//   npm run build && npx tsx bench/fleet.bench.ts [--shoots 1000 --shoot-servers 3 --high-concurrency 20]
//     [--node-flags='--max-old-space-size=384']   (Node flags of the controller process)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { evaluateExtensionReadiness } from '../src/gardener/status.js';
import type { Extension } from '../src/gardener/types.js';
import { repoRoot } from '../test/harness/assets.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { buildShootAccessKubeconfig, makeFluxManifestsBase } from '../test/harness/gardener-objects.js';
import { startKubelet, type Kubelet } from '../test/harness/kubelet.js';
import { freePort } from '../test/harness/processes.js';
import { createBenchShoot, isBenchShootReady } from './support/bench-shoots.js';
import {
  FluxPlayer,
  fluxReadyConditions,
  type FluxPlural,
  type FluxStandIn,
} from '../test/harness/flux-player.js';

const { values } = parseArgs({
  options: {
    shoots: { type: 'string', default: '1000' },
    'shoot-servers': { type: 'string', default: '3' },
    'high-concurrency': { type: 'string', default: '20' },
    // Node flags of the controller process, e.g. `--cpu-prof` or V8 heap limits.
    'node-flags': { type: 'string', default: '' },
  },
});
const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
const shootCount = Number(values.shoots);
const serverCount = Number(values['shoot-servers']);
const highConcurrency = Number(values['high-concurrency']);
const defaultConcurrency = 5;
const readVerbs = new Set(['get', 'list', 'watch', 'discover']);
const print = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The controller as a process: `run` of the built CLI, its /metrics, its log lines. */
class Controller {
  readonly logLines: string[] = [];
  private readonly child: ChildProcess;
  private samples = { peakSockets: 0, peakLagP99: 0, peakHeapTotal: 0, peakExternal: 0 };
  private sampler: NodeJS.Timeout;

  private constructor(
    readonly metricsPort: number,
    readonly healthPort: number,
    kubeconfigPath: string,
    bundleBase: string,
    concurrency: number,
    extraArgs: string[],
    readonly workDir: string,
  ) {
    this.child = spawn(
      process.execPath,
      [
        // A heap snapshot on SIGUSR2 runs a full GC first: the bench's way to see live memory.
        '--heapsnapshot-signal=SIGUSR2',
        ...nodeFlags,
        path.join(repoRoot, 'dist', 'cli', 'main.js'),
        'run',
        `--kubeconfig=${kubeconfigPath}`,
        '--leader-election=false',
        `--max-concurrent-reconciles=${concurrency}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-bind-address=127.0.0.1:${healthPort}`,
        `--flux-manifests-base=${bundleBase}`,
        '--disable-controllers=heartbeat',
        ...extraArgs,
      ],
      { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        this.logLines.push(...lines);
      });
    }
    this.sampler = setInterval(() => {
      void this.sample();
    }, 1000);
  }

  static async start(
    kubeconfigPath: string,
    bundleBase: string,
    concurrency: number,
    extraArgs: string[] = [],
  ): Promise<Controller> {
    const workDir = mkdtempSync(path.join(tmpdir(), 'fleet-bench-'));
    const controller = new Controller(
      await freePort(),
      await freePort(),
      kubeconfigPath,
      bundleBase,
      concurrency,
      extraArgs,
      workDir,
    );
    while ((await httpGet(controller.healthPort, '/readyz').catch(() => ({ status: 0 }))).status !== 200) {
      await sleep(50);
    }
    return controller;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** VmRSS and VmHWM (peak) of the process, in bytes. */
  memory(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  }

  openSockets(): number {
    return readdirSync(`/proc/${this.pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${this.pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  }

  /** Sums of the controller's metrics by name (and the verb label of the requests metric). */
  async metrics(): Promise<{ byName: Map<string, number>; requestsByVerb: Map<string, number> }> {
    const { body } = await httpGet(this.metricsPort, '/metrics');
    const byName = new Map<string, number>();
    const requestsByVerb = new Map<string, number>();
    for (const line of body.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.eE+-]+|NaN)$/.exec(line);
      if (!match) continue;
      const [, name = '', labels = '', value = '0'] = match;
      byName.set(name, (byName.get(name) ?? 0) + Number(value));
      if (name === 'rest_client_requests_total') {
        const verb = /verb="([^"]*)"/.exec(labels)?.[1] ?? '';
        requestsByVerb.set(verb, (requestsByVerb.get(verb) ?? 0) + Number(value));
      }
    }
    return { byName, requestsByVerb };
  }

  private async sample(): Promise<void> {
    try {
      this.samples.peakSockets = Math.max(this.samples.peakSockets, this.openSockets());
      const { byName } = await this.metrics();
      this.samples.peakLagP99 = Math.max(
        this.samples.peakLagP99,
        byName.get('nodejs_eventloop_lag_p99_seconds') ?? 0,
      );
      // What the RSS peak is made of: V8's heap as reserved (not only used), and memory outside
      // it (Buffers, TLS). The rest of the RSS is code, stacks and the allocator's own.
      this.samples.peakHeapTotal = Math.max(
        this.samples.peakHeapTotal,
        byName.get('nodejs_heap_size_total_bytes') ?? 0,
      );
      this.samples.peakExternal = Math.max(
        this.samples.peakExternal,
        byName.get('nodejs_external_memory_bytes') ?? 0,
      );
    } catch {
      // The process is starting or ending; the next sample counts.
    }
  }

  /** Peaks since the last call: open sockets, event-loop delay p99 (prom-client's, per scrape), heap and external memory. */
  takePeaks(): { peakSockets: number; peakLagP99: number; peakHeapTotal: number; peakExternal: number } {
    const peaks = this.samples;
    this.samples = { peakSockets: 0, peakLagP99: 0, peakHeapTotal: 0, peakExternal: 0 };
    return peaks;
  }

  /** Heap in use after a full GC (forced by a heap snapshot, which is removed right away). */
  async liveHeap(): Promise<number> {
    this.child.kill('SIGUSR2');
    let snapshot: string | undefined;
    while (!snapshot) {
      await sleep(500);
      snapshot = readdirSync(this.workDir).find((f) => f.endsWith('.heapsnapshot'));
    }
    // The snapshot is complete once its size stops changing.
    let size = -1;
    for (;;) {
      const now = readFileSync(path.join(this.workDir, snapshot)).length;
      if (now === size) break;
      size = now;
      await sleep(1000);
    }
    rmSync(path.join(this.workDir, snapshot));
    const { byName } = await this.metrics();
    return byName.get('nodejs_heap_size_used_bytes') ?? Number.NaN;
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    this.child.kill('SIGTERM');
    if (this.child.exitCode === null) await new Promise((r) => this.child.once('exit', r));
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://127.0.0.1:${port}${urlPath}`, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function listExtensions(seed: KubeConfig): Promise<Extension[]> {
  const list = (await seed.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'extensions',
  })) as { items: Extension[] };
  return list.items;
}

async function countEvents(seed: KubeConfig): Promise<number> {
  const events = await seed.makeApiClient(CoreV1Api).listEventForAllNamespaces();
  return events.items.reduce((sum, event) => sum + (event.count ?? 1), 0);
}

/** Creates shoots `from` … `to - 1` (a few at a time) and waits until all are gardenlet-ready. */
async function bootstrapShoots(
  seed: KubeConfig,
  accessKubeconfigs: string[],
  from: number,
  to: number,
): Promise<number> {
  const started = Date.now();
  const indices = Array.from({ length: to - from }, (_, i) => from + i);
  for (let i = 0; i < indices.length; i += 20) {
    await Promise.all(
      indices
        .slice(i, i + 20)
        .map((n) =>
          createBenchShoot(
            seed,
            `shoot--fleet--s${n}`,
            accessKubeconfigs[n % accessKubeconfigs.length] ?? '',
            `flux-fleet-${n}`,
            true,
          ),
        ),
    );
  }
  const wanted = new Set(indices.map((n) => `shoot--fleet--s${n}`));
  for (;;) {
    const ready = (await listExtensions(seed)).filter(
      (e) => wanted.has(e.metadata.namespace ?? '') && evaluateExtensionReadiness(e) === undefined,
    ).length;
    if (ready === wanted.size) return Date.now() - started;
    await sleep(1000);
  }
}

/** Marks one Flux object Ready for its generation as soon as it exists, as Flux would. */
async function markFluxReady(flux: FluxPlayer, plural: FluxPlural, namespace: string): Promise<void> {
  while ((await flux.generationOf(plural, namespace, 'flux-system')) === undefined) await sleep(20);
  await flux.setStatus(plural, 'flux-system', namespace, fluxReadyConditions);
}

/**
 * P1: from the moment Flux reports the Kustomization Ready to the Extension's Succeeded, for
 * `count` shoots on a shoot API server that no Flux stand-in serves (the bench plays Flux here).
 */
async function measureReadyToSucceeded(
  seed: KubeConfig,
  shoot: KubeConfig,
  accessKubeconfig: string,
  count: number,
): Promise<number[]> {
  const durations: number[] = [];
  for (let n = 0; n < count; n++) {
    const namespace = `shoot--p1--s${n}`;
    const fluxNamespace = `flux-p1-${n}`;
    await createBenchShoot(seed, namespace, accessKubeconfig, fluxNamespace, true);
    const flux = new FluxPlayer(shoot);
    await markFluxReady(flux, 'gitrepositories', fluxNamespace);
    await markFluxReady(flux, 'kustomizations', fluxNamespace);
    const readyAt = performance.now();
    while (!(await isBenchShootReady(seed, namespace))) await sleep(5);
    durations.push(performance.now() - readyAt);
  }
  return durations;
}

const writesOf = (requestsByVerb: Map<string, number>) =>
  [...requestsByVerb].filter(([verb]) => !readVerbs.has(verb)).reduce((sum, [, n]) => sum + n, 0);
/** TLS handshakes (new connections) of the process so far; `?` for a build without the counter. */
const connectionsOf = (byName: Map<string, number>) =>
  byName.get('rest_client_connections_opened_total') ?? '?';
const totalOf = (requestsByVerb: Map<string, number>) =>
  [...requestsByVerb.values()].reduce((sum, n) => sum + n, 0);

const planes: ControlPlane[] = [];
const kubelets: Kubelet[] = [];
const fluxStandIns: FluxStandIn[] = [];
try {
  print(
    `## fleet: ${shootCount} Extensions over ${serverCount} shoot API servers, one replica (built CLI, own process)`,
  );
  const bundleBase = await makeFluxManifestsBase();
  const seed = await startControlPlane({ name: 'fleet-seed', crds: ['gardener'] });
  planes.push(seed);
  const shoots = await Promise.all(
    Array.from({ length: serverCount }, (_, i) =>
      // Each shoot's Flux adds three Services: a /24 would be full after about 85 shoots.
      startControlPlane({ name: `fleet-shoot-${i}`, crds: ['flux'], serviceClusterIpRange: '10.0.0.0/16' }),
    ),
  );
  planes.push(...shoots);
  for (const shoot of shoots) {
    kubelets.push(await startKubelet(shoot.kubeConfig));
    fluxStandIns.push(new FluxPlayer(shoot.kubeConfig).startReadyLoop());
  }
  const access = await Promise.all(shoots.map((shoot) => buildShootAccessKubeconfig(shoot)));
  const half = Math.floor(shootCount / 2);
  /** Shoots of the P1 figure, on their own shoot API server; part of the fleet from then on. */
  const p1Count = 5;
  const fleetSize = shootCount + p1Count;

  // 1. Bootstrap: half at the default concurrency, half at a higher one.
  let controller = await Controller.start(seed.kubeconfigPath, bundleBase, defaultConcurrency);
  const idle = controller.memory().rss;
  let requestsBeforeFleet = 0;
  {
    const p1Shoot = await startControlPlane({ name: 'fleet-p1', crds: ['flux'] });
    planes.push(p1Shoot);
    kubelets.push(await startKubelet(p1Shoot.kubeConfig));
    const p1Access = await buildShootAccessKubeconfig(p1Shoot);
    const before = totalOf((await controller.metrics()).requestsByVerb);
    const p1 = (await measureReadyToSucceeded(seed.kubeConfig, p1Shoot.kubeConfig, p1Access, p1Count)).sort(
      (a, b) => a - b,
    );
    requestsBeforeFleet = totalOf((await controller.metrics()).requestsByVerb);
    const requests = requestsBeforeFleet - before;
    print(
      `P1 (Kustomization Ready → Extension Succeeded), 5 shoots one after another: median ${(p1[2] ?? 0).toFixed(0)} ms (min ${(p1[0] ?? 0).toFixed(0)}, max ${(p1[4] ?? 0).toFixed(0)} ms); one bootstrap: ${(requests / p1Count).toFixed(0)} requests`,
    );
  }
  const defaultMs = await bootstrapShoots(seed.kubeConfig, access, 0, half);
  let peaks = controller.takePeaks();
  const afterDefault = await controller.metrics();
  const bootstrapRequests = totalOf(afterDefault.requestsByVerb) - requestsBeforeFleet;
  print(
    `bootstrap of ${half} shoots at --max-concurrent-reconciles=${defaultConcurrency}: ${seconds(defaultMs)} (${((half * 1000) / defaultMs).toFixed(1)} shoots/s, ${(bootstrapRequests / half).toFixed(0)} requests per shoot; connections opened since start ${connectionsOf(afterDefault.byName)} for ${totalOf(afterDefault.requestsByVerb)} requests)`,
  );
  let peakRss = controller.memory().peak;
  await controller.stop();
  controller = await Controller.start(seed.kubeconfigPath, bundleBase, highConcurrency);
  const highMs = await bootstrapShoots(seed.kubeConfig, access, half, shootCount);
  print(
    `bootstrap of ${shootCount - half} shoots at --max-concurrent-reconciles=${highConcurrency}: ${seconds(highMs)} (${(((shootCount - half) * 1000) / highMs).toFixed(1)} shoots/s)`,
  );
  const highPeaks = controller.takePeaks();
  peaks = {
    peakSockets: Math.max(peaks.peakSockets, highPeaks.peakSockets),
    peakLagP99: Math.max(peaks.peakLagP99, highPeaks.peakLagP99),
    peakHeapTotal: Math.max(peaks.peakHeapTotal, highPeaks.peakHeapTotal),
    peakExternal: Math.max(peaks.peakExternal, highPeaks.peakExternal),
  };
  peakRss = Math.max(peakRss, controller.memory().peak);
  print(
    `during bootstrap: peak RSS ${mib(peakRss)} (peaks of V8's heap reserved ${mib(peaks.peakHeapTotal)}, external ${mib(peaks.peakExternal)}), open sockets peak ${peaks.peakSockets}, event-loop delay p99 peak ${(peaks.peakLagP99 * 1000).toFixed(0)} ms (idle RSS before: ${mib(idle)})`,
  );
  await controller.stop();

  // 2. A full resync of the unchanged fleet: a restart (or a new leader) with
  // --ignore-operation-annotation reconciles every Extension it lists, as each resync period does;
  // without it, the predicates let only changed or annotated Extensions through.
  const eventsBefore = await countEvents(seed.kubeConfig);
  const resyncStarted = Date.now();
  controller = await Controller.start(seed.kubeconfigPath, bundleBase, defaultConcurrency, [
    '--ignore-operation-annotation=true',
  ]);
  for (;;) {
    const { byName } = await controller.metrics();
    if ((byName.get('controller_runtime_reconcile_total') ?? 0) >= fleetSize) break;
    await sleep(200);
  }
  const resyncMs = Date.now() - resyncStarted;
  const { requestsByVerb, byName: resyncMetrics } = await controller.metrics();
  const resyncPeaks = controller.takePeaks();
  const eventsAfter = await countEvents(seed.kubeConfig);
  // Lines about one Extension; the process's own start-up lines are not per shoot.
  const infoLines = controller.logLines.filter(
    (line) => line.includes('"level":"info"') && line.includes('"extension":{'),
  ).length;
  print(
    `resync of ${fleetSize} unchanged shoots (process start → all reconciled, --max-concurrent-reconciles=${defaultConcurrency}): ${seconds(resyncMs)}`,
  );
  print(
    `resync requests: ${totalOf(requestsByVerb)} (${(totalOf(requestsByVerb) / fleetSize).toFixed(1)} per shoot: ${[...requestsByVerb].map(([verb, n]) => `${verb} ${n}`).join(', ')}), writes ${writesOf(requestsByVerb)}, Events written ${eventsAfter - eventsBefore}, info log lines ${infoLines} (${(infoLines / fleetSize).toFixed(2)} per shoot)`,
  );
  const memory = controller.memory();
  print(
    `during resync: RSS ${mib(memory.rss)}, peak RSS ${mib(memory.peak)}, open sockets peak ${resyncPeaks.peakSockets}, connections opened (TLS handshakes) ${connectionsOf(resyncMetrics)}, event-loop delay p99 peak ${(resyncPeaks.peakLagP99 * 1000).toFixed(0)} ms`,
  );

  // 3. Half the Extensions deleted: what the controller held for them is released.
  // RSS first: writing a heap snapshot grows the process's own memory for a while.
  const rssBefore = controller.memory().rss;
  const heapBefore = await controller.liveHeap();
  const deleted = Array.from({ length: half }, (_, n) => `shoot--fleet--s${n}`);
  const custom = seed.kubeConfig.makeApiClient(CustomObjectsApi);
  for (let i = 0; i < deleted.length; i += 20) {
    await Promise.all(
      deleted.slice(i, i + 20).map((namespace) =>
        custom.deleteNamespacedCustomObject({
          group: 'extensions.gardener.cloud',
          version: 'v1alpha1',
          namespace,
          plural: 'extensions',
          name: 'shoot-flux',
        }),
      ),
    );
  }
  const gone = new Set(deleted);
  while ((await listExtensions(seed.kubeConfig)).some((e) => gone.has(e.metadata.namespace ?? ''))) {
    await sleep(1000);
  }
  const rssAfter = controller.memory().rss;
  const heapAfter = await controller.liveHeap();
  print(
    `memory with ${fleetSize} → ${fleetSize - half} Extensions: heap after a full GC ${mib(heapBefore)} → ${mib(heapAfter)}, RSS ${mib(rssBefore)} → ${mib(rssAfter)} (the second RSS after the first GC's heap snapshot)`,
  );
  writeFileSync(path.join(tmpdir(), 'fleet-bench-last.log'), controller.logLines.join('\n'));
  await controller.stop();
} finally {
  for (const standIn of fluxStandIns) standIn.stop();
  for (const kubelet of kubelets) await kubelet.stop();
  await Promise.all(planes.map((plane) => plane.stop()));
}
process.exit(0);
