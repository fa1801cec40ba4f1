// Speed figures of the admission webhook: the pure review (in this process) and the built CLI's
// HTTPS webhook pinned to one core (taskset, when present) answering AdmissionReviews over
// keep-alive TLS, as the API server sends them. Without a garden kubeconfig: no secret reads.
// Prints figures; asserts nothing.
//   npm run build && npm run bench:admission [-- --requests 5000 --concurrency 8]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeAdmissionReview, type AdmissionRequest } from '../src/admission/admission-review.js';
import { reviewShoot } from '../src/admission/shoot-review.js';
import {
  createTestCertificateAuthority,
  writeServingCertificate,
} from '../test/harness/admission-certificates.js';
import { requestWebhook } from '../test/harness/admission-client.js';
import {
  buildGitProviderConfigWith,
  buildShoot,
  buildShootAdmissionReview,
} from '../test/harness/admission-shoots.js';
import { ManagedProcess, freePort, pollUntil } from '../test/harness/processes.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const requestCount = Number(values.requests);
const concurrency = Number(values.concurrency);
const print = (line: string) => process.stdout.write(`${line}\n`);
const cli = path.join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

/** Three Shoot writes of typical weight: valid, invalid (3 causes), legacy (a warning). */
function reviewBodies(): { name: string; body: string }[] {
  const valid = buildShoot();
  const invalid = buildShoot({
    providerConfig: buildGitProviderConfigWith((c) => {
      delete c.source.template.spec.url;
      c.source.template.spec.interval = 'x';
      c.source.secretResourceName = 'nope';
    }),
  });
  const legacy = buildShoot({
    providerConfig: buildGitProviderConfigWith((c) => {
      delete c.source.template.apiVersion;
      delete c.source.template.kind;
    }),
  });
  return [
    ['valid', valid],
    ['invalid', invalid],
    ['legacy', legacy],
  ].map(([name, object]) => ({
    name: name as string,
    body: JSON.stringify(
      buildShootAdmissionReview({ operation: 'CREATE', object: object as Record<string, unknown> }),
    ),
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(latenciesMs: number[], seconds: number): string {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const rate = latenciesMs.length / seconds;
  return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms, ${rate.toFixed(0)} requests/s`;
}

async function pureFigures(): Promise<void> {
  print('Pure review (decode + reviewShoot, this process):');
  for (const { name, body } of reviewBodies()) {
    const latencies: number[] = [];
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const start = process.hrtime.bigint();
        const decoded = decodeAdmissionReview(JSON.parse(body));
        await reviewShoot((decoded as { request: AdmissionRequest }).request);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    };
    await run(500); // warm-up
    latencies.length = 0;
    const started = process.hrtime.bigint();
    await run(10_000);
    print(`  ${name.padEnd(8)} ${summary(latencies, Number(process.hrtime.bigint() - started) / 1e9)}`);
  }
}

async function post(agent: https.Agent, port: number, ca: string, body: string): Promise<number> {
  return (await requestWebhook({ port, ca, body, agent })).status;
}

async function load(agent: https.Agent, port: number, ca: string, total: number, parallel: number) {
  const bodies = reviewBodies();
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) {
        const body = bodies[next++ % bodies.length]?.body ?? '';
        const start = process.hrtime.bigint();
        if ((await post(agent, port, ca, body)) !== 200) failures++;
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }),
  );
  return { latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
}

function rssMiB(pid: number | undefined): string {
  if (pid === undefined) return '?';
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? `${(Number(match[1]) / 1024).toFixed(1)} MiB` : '?';
}

async function httpsFigures(): Promise<void> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-admission-bench-'));
  const ca = await createTestCertificateAuthority('bench-ca');
  await writeServingCertificate(dir, await ca.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'] }));
  const [port, health] = [await freePort(), await freePort()];
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const args = [
    cli,
    'admission',
    '--webhook-config-server-host=127.0.0.1',
    `--webhook-config-server-port=${port}`,
    `--webhook-config-cert-dir=${dir}`,
    '--metrics-bind-address=0',
    `--health-bind-address=127.0.0.1:${health}`,
    '--log-level=error',
  ];
  const webhook = new ManagedProcess(
    'admission',
    pinned ? 'taskset' : process.execPath,
    pinned ? ['-c', '0', process.execPath, ...args] : args,
    { logFile: path.join(dir, 'admission.log') },
  );
  try {
    await pollUntil(
      'webhook ready',
      async () => (await fetch(`http://127.0.0.1:${health}/readyz`)).ok,
      30_000,
    );
    print(
      `HTTPS webhook (built CLI, ${pinned ? 'pinned to CPU 0 with taskset' : 'not pinned: no taskset'}; client in this process):`,
    );
    const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
    await load(agent, port, ca.cert, 1000, concurrency); // warm-up: JIT, TLS sessions
    for (const parallel of [1, concurrency]) {
      const { latencies, seconds, failures } = await load(agent, port, ca.cert, requestCount, parallel);
      print(
        `  ${String(parallel).padStart(2)} in flight: ${summary(latencies, seconds)}${failures ? `, ${failures} failed` : ''}`,
      );
    }
    agent.destroy();
    print(`  webhook RSS after ${2 * requestCount + 1000} requests: ${rssMiB(webhook.pid)}`);
  } finally {
    await webhook.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

print(`node ${process.version}, ${requestCount} requests per HTTPS run, mixed valid/invalid/legacy Shoots`);
await pureFigures();
await httpsFigures();
