// Start-up and idle footprint of the built CLI's `run` against a real seed API server: process
// start → /readyz 200, then RSS and V8 heap while idle, over a few runs; then where the memory
// goes: what each runtime package `run` loads adds on top of all the others. Prints figures.
//   npm run build && npx tsx bench/startup.bench.ts [-- --runs 3 --idle 5 --settled 45]
// The controller runs as the image runs it: `node dist/cli/main.js run`, no V8 flags, metrics
// served (the chart serves them). RSS is read from /proc before the heap figures are scraped from
// /metrics, so the scrape does not count. Two idle points: V8 sizes its young generation for the
// allocation burst of loading code at start and gives it back only when its memory reducer runs,
// after some seconds of low allocation; the later point is the idle controller as it stays.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/harness/assets.js';
import { startControlPlane } from '../test/harness/control-plane.js';
import { freePort } from '../test/harness/processes.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '5' },
    settled: { type: 'string', default: '45' },
  },
});
const print = (line: string) => process.stdout.write(`${line}\n`);
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const mib = (bytes: number) => bytes / 1048576;

/** Resident set of a process in MiB, from /proc (the kernel's figure, as the kubelet sees it). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.on('error', () => {
      resolve({ status: 0, body: '' });
    });
  });
}

/** One sample of a Prometheus text exposition, e.g. `nodejs_heap_size_used_bytes`. */
function sample(metrics: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN);
}

/** Idle figures at one point in time: RSS, then (scraped after it) the V8 heap. */
interface IdlePoint {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
}

async function idlePoint(pid: number, metricsPort: number): Promise<IdlePoint> {
  const rss = rssMiB(pid);
  const { body } = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
  return {
    rssMiB: rss,
    heapUsedMiB: mib(sample(body, 'nodejs_heap_size_used_bytes')),
    heapTotalMiB: mib(sample(body, 'nodejs_heap_size_total_bytes')),
  };
}

/** One `run`: milliseconds from spawn to the first /readyz 200, and idle figures at two points. */
/** What one `run` measured. */
interface StartupRun {
  readyMs: number;
  idle: IdlePoint;
  settled: IdlePoint;
}

export async function measureStartup(
  kubeconfigPath: string,
  idleSeconds: number,
  settledSeconds: number,
): Promise<StartupRun> {
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      cli,
      'run',
      `--kubeconfig=${kubeconfigPath}`,
      '--leader-election=false',
      `--health-bind-address=127.0.0.1:${healthPort}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  const pid = child.pid ?? 0;
  const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));
  try {
    while ((await httpGet(`http://127.0.0.1:${healthPort}/readyz`)).status !== 200) {
      if (child.exitCode !== null) throw new Error(`run exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const readyMs = performance.now() - started;
    await sleep(idleSeconds);
    const idle = await idlePoint(pid, metricsPort);
    await sleep(Math.max(0, settledSeconds - idleSeconds));
    const settled = await idlePoint(pid, metricsPort);
    return { readyMs, idle, settled };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** RSS and heap of a fresh Node (after a full GC) that imported `specifiers`, in MiB. */
function footprintOf(specifiers: readonly string[]): Promise<{ rssMiB: number; heapMiB: number }> {
  const script = [
    `for (const s of ${JSON.stringify(specifiers)}) await import(s);`,
    'gc(); await new Promise((r) => setTimeout(r, 100)); gc();',
    'const m = process.memoryUsage();',
    'process.stdout.write(JSON.stringify({ rssMiB: m.rss / 1048576, heapMiB: m.heapUsed / 1048576 }));',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as { rssMiB: number; heapMiB: number });
      else reject(new Error(`importing ${specifiers.join(', ')} failed`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The median footprint over three fresh processes (RSS moves by a few hundred KiB between runs). */
async function medianFootprint(specifiers: readonly string[]): Promise<{ rssMiB: number; heapMiB: number }> {
  const runs: { rssMiB: number; heapMiB: number }[] = [];
  for (let i = 0; i < 3; i++) runs.push(await footprintOf(specifiers));
  return { rssMiB: median(runs.map((r) => r.rssMiB)), heapMiB: median(runs.map((r) => r.heapMiB)) };
}

const seed = await startControlPlane({ name: 'bench-startup', crds: ['gardener'] });
try {
  print(
    '## start-up of `run` (built CLI as the image runs it, no V8 flags; real seed API server, no Extensions)',
  );
  const runs: StartupRun[] = [];
  for (let i = 0; i < Number(values.runs); i++)
    runs.push(await measureStartup(seed.kubeconfigPath, Number(values.idle), Number(values.settled)));
  const list = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(', ');
  const readyMs = runs.map((r) => r.readyMs);
  print(`start → /readyz 200: median ${median(readyMs).toFixed(0)} ms (runs: ${list(readyMs, 0)} ms)`);
  for (const [label, seconds, pick] of [
    ['idle', values.idle, (r: StartupRun) => r.idle],
    ['idle, settled', values.settled, (r: StartupRun) => r.settled],
  ] as const) {
    const points = runs.map(pick);
    const rss = points.map((p) => p.rssMiB);
    print(
      `${label} after ${seconds} s: RSS median ${median(rss).toFixed(1)} MiB (runs: ${list(rss, 1)} MiB), ` +
        `heap used ${median(points.map((p) => p.heapUsedMiB)).toFixed(1)} MiB of ${median(points.map((p) => p.heapTotalMiB)).toFixed(1)} MiB`,
    );
  }

  print('## where it goes: fresh Node after a full GC (RSS, heap used)');
  // The packages `run` loads at start, and what each adds on top of all the others: the sum of
  // "alone in a fresh process" figures counts Node's own start-up cost once per package.
  const packages = [
    '@kubernetes/client-node/dist/config_types.js',
    'commander',
    'fast-json-patch',
    'fastest-levenshtein',
    'js-yaml',
    'p-retry',
    'prom-client',
    'semver',
    'winston',
  ];
  const bare = await medianFootprint(['node:http', 'node:https']);
  const all = await medianFootprint(['node:http', 'node:https', ...packages]);
  const program = await medianFootprint([path.join(repoRoot, 'dist', 'cli', 'program.js')]);
  const figures = (f: { rssMiB: number; heapMiB: number }) =>
    `${f.rssMiB.toFixed(1)} MiB, heap ${f.heapMiB.toFixed(1)} MiB`;
  print(`bare Node (node:http, node:https): ${figures(bare)}`);
  print(`+ the packages run loads: ${figures(all)}`);
  print(`dist/cli/program.js (everything run loads at start): ${figures(program)}`);
  // Per package the heap only: a fresh Node's RSS moves by about half a MiB from run to run,
  // more than most packages add to it.
  const marginal: string[] = [];
  for (const name of packages) {
    const without = await medianFootprint(['node:http', 'node:https', ...packages.filter((p) => p !== name)]);
    marginal.push(`${name} +${(all.heapMiB - without.heapMiB).toFixed(1)}`);
  }
  print(`  heap each adds to the others (MiB): ${marginal.join(', ')}`);
  // Loaded on first use only (a FluxConfig check, a bundle, `migrate`): not on the start path.
  const later: string[] = [];
  for (const name of ['ajv', 'tar', 'yaml']) {
    const withIt = await medianFootprint(['node:http', 'node:https', ...packages, name]);
    later.push(`${name} +${(withIt.heapMiB - all.heapMiB).toFixed(1)}`);
  }
  print(`  heap of what loads on first use only (MiB): ${later.join(', ')}`);
} finally {
  await seed.stop();
}
