import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { builtCli, withoutClusterSelection } from '../../hack/landscape/landscape.js';
import { startControlPlane, type ControlPlane } from '../../test/harness/control-plane.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootAccessKubeconfig,
  buildShootObject,
  makeFluxManifestsBase,
} from '../../test/harness/gardener-objects.js';
import { ManagedProcess, freePort, pollUntil } from '../../test/harness/processes.js';
import { providerConfig } from './bench-shoots.js';

// A fleet for the benches: one seed and a few shoot API servers, N shoots spread over them (one
// seed namespace and one Flux namespace each), and the built controller as its own process so
// its memory and requests are its own. The bench plays gardenlet here; what plays Flux and the
// kubelet is up to each bench.

/** One shoot of the fleet: where gardenlet's objects live and where its Flux goes. */
export interface FleetShoot {
  index: number;
  /** `shoot--fleet--s<index>` */
  seedNamespace: string;
  /** `flux-s<index>`: each shoot's Flux in its own namespace of a shared shoot API server. */
  fluxNamespace: string;
  shoot: ControlPlane;
}

/** The running control planes of a fleet. */
export interface FleetPlanes {
  seed: ControlPlane;
  shoots: ControlPlane[];
  /** A `--flux-manifests-base` directory holding the cached Flux bundles. */
  bundleBase: string;
  stop(): Promise<void>;
}

/** Starts the seed (Gardener CRDs) and `shootServers` shoot API servers (Flux CRDs). */
export async function startFleetPlanes(name: string, shootServers: number): Promise<FleetPlanes> {
  const bundleBase = await makeFluxManifestsBase();
  const planes = await Promise.all([
    startControlPlane({ name: `${name}-seed`, crds: ['gardener'] }),
    ...Array.from({ length: shootServers }, (_, i) =>
      startControlPlane({ name: `${name}-shoot-${String(i)}`, crds: ['flux'] }),
    ),
  ]);
  const [seed, ...shoots] = planes;
  return {
    seed,
    shoots,
    bundleBase,
    stop: async () => {
      await Promise.all(planes.map((p) => p.stop()));
      await rm(bundleBase, { recursive: true, force: true });
    },
  };
}

/** The fleet's shoots, spread round-robin over the shoot API servers. */
export function buildFleetShoots(count: number, shoots: readonly ControlPlane[]): FleetShoot[] {
  return Array.from({ length: count }, (_, index) => {
    const shoot = shoots[index % shoots.length];
    if (!shoot) throw new Error('a fleet needs at least one shoot API server');
    return {
      index,
      seedNamespace: `shoot--fleet--s${String(index)}`,
      fluxNamespace: `flux-s${String(index)}`,
      shoot,
    };
  });
}

/**
 * Plays gardenlet for one fleet shoot: seed namespace, Cluster, `gardener` access secret and the
 * Extension. `annotate: false` leaves the reconcile annotation off (the Extension of a shoot that
 * was reconciled before, whose annotation the controller removed).
 */
export async function createFleetShoot(
  seed: KubeConfig,
  shoot: FleetShoot,
  accessKubeconfig: string,
  options: { annotate: boolean },
): Promise<void> {
  const core = seed.makeApiClient(CoreV1Api);
  const custom = seed.makeApiClient(CustomObjectsApi);
  const namespace = shoot.seedNamespace;
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
  });
  await custom.createClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'clusters',
    body: buildClusterObject(namespace, buildShootObject(namespace, { name: `s${String(shoot.index)}` })),
  });
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'gardener' },
      data: { kubeconfig: Buffer.from(accessKubeconfig).toString('base64') },
    },
  });
  const extension = buildExtensionObject({
    providerConfig: providerConfig(shoot.fluxNamespace, { gitCredentials: false }),
  }) as {
    metadata: { annotations?: Record<string, string> };
  };
  if (!options.annotate) delete extension.metadata.annotations;
  await custom.createNamespacedCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    namespace,
    plural: 'extensions',
    body: extension,
  });
}

/** The `gardener` secret kubeconfig of each shoot API server, by server URL. */
export async function buildAccessKubeconfigs(shoots: readonly ControlPlane[]): Promise<Map<string, string>> {
  const entries = await Promise.all(
    shoots.map(async (plane) => [plane.server, await buildShootAccessKubeconfig(plane)] as const),
  );
  return new Map(entries);
}

/** Runs `work` for every item, `concurrency` at a time; rejects with the first failure. */
export async function runBounded<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** The built controller running against the fleet's seed. */
export interface FleetController {
  process: ManagedProcess;
  metricsUrl: string;
  logFile: string;
  /** Peak and current resident set size of the controller process (Linux `/proc`), in bytes. */
  memory(): Promise<{ peakRss: number; rss: number }>;
  /** Sum of every sample of one metric the controller exports. */
  metricSum(name: string, filter?: (labels: string) => boolean): Promise<number>;
  stop(): Promise<void>;
}

/** Sums every sample of `name` in a Prometheus text exposition whose label set passes `filter`. */
export function sumMetric(
  text: string,
  name: string,
  filter: (labels: string) => boolean = () => true,
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelsEnd = line.lastIndexOf('}');
    const labels = labelsEnd > 0 ? line.slice(name.length, labelsEnd + 1) : '';
    if (!filter(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Starts the built controller (`run`) against the seed with extra flags; resolves once it is ready. */
export async function startFleetController(planes: FleetPlanes, flags: string[]): Promise<FleetController> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-bench-controller-'));
  const logFile = path.join(dir, 'controller.log');
  const child = new ManagedProcess(
    'gardener-extension-shoot-flux',
    process.execPath,
    [
      builtCli,
      'run',
      `--kubeconfig=${planes.seed.kubeconfigPath}`,
      '--leader-election=false',
      `--metrics-bind-address=127.0.0.1:${String(metricsPort)}`,
      `--health-bind-address=127.0.0.1:${String(healthPort)}`,
      '--log-format=json',
      '--garden-cluster-identity=bench',
      `--flux-manifests-base=${planes.bundleBase}`,
      ...flags,
    ],
    { logFile, env: withoutClusterSelection(process.env) },
  );
  const readyz = `http://127.0.0.1:${String(healthPort)}/readyz`;
  await pollUntil(
    'controller ready (/readyz)',
    async () => (await fetch(readyz, { signal: AbortSignal.timeout(2_000) })).ok,
    180_000,
    () => (child.hasExited ? `the controller exited:\n${child.logs(40)}` : undefined),
  );
  const metricsUrl = `http://127.0.0.1:${String(metricsPort)}/metrics`;
  return {
    process: child,
    metricsUrl,
    logFile,
    memory: async () => {
      const status = await readFile(`/proc/${String(child.pid ?? 0)}/status`, 'utf8');
      const kib = (key: string) =>
        Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
      return { peakRss: kib('VmHWM'), rss: kib('VmRSS') };
    },
    metricSum: async (name, filter) => sumMetric(await (await fetch(metricsUrl)).text(), name, filter),
    stop: async () => {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Requests a kube-apiserver has answered so far (`apiserver_request_total`), by `verb resource`.
 * It counts its own loopback requests too; a bench subtracts the idle rate it measured before.
 */
export async function readApiServerRequests(plane: ControlPlane): Promise<Map<string, number>> {
  const ca = await readFile(plane.caFile);
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(
        `${plane.server}/metrics`,
        { headers: { Authorization: `Bearer ${plane.token}` }, ca },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            resolve(body);
          });
        },
      )
      .on('error', reject);
  });
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (key: string) => new RegExp(`[{,]${key}="([^"]*)"`).exec(line)?.[1] ?? '';
    const key = `${label('verb')} ${label('resource')}${label('subresource') ? `/${label('subresource')}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** The total of a {@link readApiServerRequests} result. */
export function sumRequests(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

interface StatusView {
  conditions?: { type?: string; status?: string; reason?: string }[];
}

/** Why an Extension status changed: each changed condition as `Type: Old→New (reason)`, else the changed paths. */
function describeStatusChange(before: StatusView | undefined, after: StatusView | undefined): string[] {
  const conditionsOf = (status: StatusView | undefined) =>
    new Map((status?.conditions ?? []).map((c) => [c.type ?? '', c] as const));
  const old = conditionsOf(before);
  const changes: string[] = [];
  for (const [type, condition] of conditionsOf(after)) {
    const previous = old.get(type);
    if (previous?.status !== condition.status || previous?.reason !== condition.reason) {
      changes.push(
        `${type}: ${previous?.status ?? '-'}→${condition.status ?? '-'} (${condition.reason ?? ''})`,
      );
    }
  }
  if (changes.length > 0) return changes;
  return fastJsonPatch
    .compare((before ?? {}) as object, (after ?? {}) as object)
    .map((op) => `${op.op} ${op.path.replace(/\/\d+(?=\/|$)/g, '/*')}`);
}

/**
 * Watches every Extension's status in the seed and counts what changed in it, so a bench can say
 * what its writes were for; `stop()` ends the watch and returns the counts, most frequent first.
 */
export async function recordStatusChanges(seed: KubeConfig): Promise<{ stop(): [string, number][] }> {
  const path = '/apis/extensions.gardener.cloud/v1alpha1/extensions';
  const list = (await seed.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'extensions',
  })) as {
    metadata?: { resourceVersion?: string };
    items: { metadata: { namespace: string }; status?: StatusView }[];
  };
  const last = new Map(list.items.map((e) => [e.metadata.namespace, e.status] as const));
  const counts = new Map<string, number>();
  const request = await new Watch(seed).watch(
    path,
    { resourceVersion: list.metadata?.resourceVersion },
    (phase, object: { metadata: { namespace: string }; status?: StatusView }) => {
      if (phase !== 'MODIFIED') return;
      const namespace = object.metadata.namespace;
      for (const change of describeStatusChange(last.get(namespace), object.status)) {
        counts.set(change, (counts.get(change) ?? 0) + 1);
      }
      last.set(namespace, object.status);
    },
    () => undefined,
  );
  return {
    stop: () => {
      request.abort();
      return [...counts].sort((a, b) => b[1] - a[1]);
    },
  };
}

/**
 * Why the controller wrote health statuses between `from` and `to` (epoch ms): its debug lines
 * "Writing health status" counted by their `due` reasons, most frequent first.
 */
export async function countHealthWrites(
  logFile: string,
  from: number,
  to: number,
): Promise<[string, number][]> {
  const counts = new Map<string, number>();
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    if (!line.includes('Writing health status')) continue;
    const entry = JSON.parse(line) as { ts?: string | number; due?: string[] };
    const at = typeof entry.ts === 'number' ? entry.ts * 1000 : Date.parse(entry.ts ?? '');
    if (!Number.isNaN(at) && (at < from || at > to)) continue;
    const key = (entry.due ?? []).join('+');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
