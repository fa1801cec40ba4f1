// Start-up and idle footprint of the built CLI's `run` against a real seed API server: process
// start → /readyz 200 and idle RSS, over a few runs, then where start-up time and memory go:
// what importing each runtime dependency costs in a fresh Node process. Prints figures.
//   npm run build && npx tsx bench/startup.bench.ts [-- --runs 3 --idle 5]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/harness/assets.js';
import { startControlPlane } from '../test/harness/control-plane.js';
import { freePort } from '../test/harness/processes.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, idle: { type: 'string', default: '5' } },
});
const print = (line: string) => process.stdout.write(`${line}\n`);
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** Resident set of a process in MiB, from /proc (the kernel's figure, as the kubelet sees it). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function readyzStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(`http://127.0.0.1:${port}/readyz`, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => {
      resolve(0);
    });
  });
}

/** One `run`: milliseconds from spawn to the first /readyz 200, and RSS after `idleSeconds`. */
export async function measureStartup(
  kubeconfigPath: string,
  idleSeconds: number,
): Promise<{ readyMs: number; idleRssMiB: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      cli,
      'run',
      `--kubeconfig=${kubeconfigPath}`,
      '--leader-election=false',
      `--health-bind-address=127.0.0.1:${port}`,
      '--metrics-bind-address=0',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  try {
    while ((await readyzStatus(port)) !== 200) {
      if (child.exitCode !== null) throw new Error(`run exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    return { readyMs, idleRssMiB: rssMiB(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** What importing `specifier` costs a fresh Node process: milliseconds and RSS growth. */
function importCost(specifier: string): Promise<{ ms: number; rssMiB: number }> {
  const script = `const b=process.memoryUsage().rss;const t=performance.now();await import(${JSON.stringify(specifier)});process.stdout.write(JSON.stringify({ms:performance.now()-t,rssMiB:(process.memoryUsage().rss-b)/1048576}))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as { ms: number; rssMiB: number });
      else reject(new Error(`import ${specifier} failed`));
    });
  });
}

const seed = await startControlPlane({ name: 'bench-startup', crds: ['gardener'] });
try {
  print('## start-up of `run` (built CLI, real seed API server, no Extensions)');
  const runs: { readyMs: number; idleRssMiB: number }[] = [];
  for (let i = 0; i < Number(values.runs); i++)
    runs.push(await measureStartup(seed.kubeconfigPath, Number(values.idle)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  print(
    `start → /readyz 200: median ${median(runs.map((r) => r.readyMs)).toFixed(0)} ms (runs: ${runs.map((r) => r.readyMs.toFixed(0)).join(', ')} ms)`,
  );
  print(
    `idle RSS after ${values.idle} s: median ${median(runs.map((r) => r.idleRssMiB)).toFixed(1)} MiB (runs: ${runs.map((r) => r.idleRssMiB.toFixed(1)).join(', ')} MiB)`,
  );
  print('## where it goes: importing each piece alone in a fresh process (time, RSS growth)');
  const pieces = [
    'node:http',
    '@kubernetes/client-node',
    '@kubernetes/client-node/dist/gen/index.js',
    '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js',
    'winston',
    'ajv',
    'prom-client',
    'commander',
    'js-yaml',
    'yaml',
    'tar',
    path.join(repoRoot, 'dist', 'cli', 'program.js'),
  ];
  for (const piece of pieces) {
    const cost = await importCost(piece);
    print(
      `${path.isAbsolute(piece) ? 'dist/cli/program.js (everything `run` loads)' : piece}: ${cost.ms.toFixed(0)} ms, +${cost.rssMiB.toFixed(1)} MiB`,
    );
  }
} finally {
  await seed.stop();
}
