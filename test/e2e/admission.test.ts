// The built CLI's `admission` as a black box: Gardener's webhook server flags, JSON logs only,
// health, readiness and metrics, a review answered over TLS, and a clean stop on SIGTERM.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestCertificateAuthority,
  writeServingCertificate,
  type TestCertificateAuthority,
} from '../harness/admission-certificates.js';
import { requestWebhook } from '../harness/admission-client.js';
import { buildShoot, buildShootAdmissionReview } from '../harness/admission-shoots.js';
import { ManagedProcess, freePort } from '../harness/processes.js';
import { builtCli } from '../../hack/landscape/landscape.js';

async function postReview(
  port: number,
  ca: string,
  body: string,
): Promise<{ status: number; body: unknown }> {
  const answer = await requestWebhook({ port, ca, body });
  return { status: answer.status, body: JSON.parse(answer.text) as unknown };
}

describe('gardener-extension-shoot-flux admission (built CLI)', () => {
  let dir: string;
  let ca: TestCertificateAuthority;
  let webhook: ManagedProcess;
  let ports: { webhook: number; metrics: number; health: number };
  const logFile = () => path.join(dir, 'admission.log');

  beforeAll(async () => {
    if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run "npm run build" first`);
    dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-admission-e2e-'));
    ca = await createTestCertificateAuthority('e2e-webhook-ca');
    await writeServingCertificate(dir, await ca.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'] }));
    ports = { webhook: await freePort(), metrics: await freePort(), health: await freePort() };
    webhook = new ManagedProcess(
      'admission',
      process.execPath,
      [
        builtCli,
        'admission',
        '--webhook-config-server-host=127.0.0.1',
        `--webhook-config-server-port=${ports.webhook}`,
        `--webhook-config-cert-dir=${dir}`,
        `--metrics-bind-address=127.0.0.1:${ports.metrics}`,
        `--health-bind-address=127.0.0.1:${ports.health}`,
      ],
      { logFile: logFile(), env: { PATH: process.env.PATH ?? '' } },
    );
  });

  afterAll(async () => {
    await webhook.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('becomes ready and answers a review over TLS', async () => {
    await expect
      .poll(
        async () => (await fetch(`http://127.0.0.1:${ports.health}/readyz`).catch(() => undefined))?.status,
      )
      .toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.health}/healthz`)).status).toBe(200);
    const shoot = buildShoot({ providerConfig: { kind: 'FluxConfig', source: {} } });
    const answer = await postReview(
      ports.webhook,
      ca.cert,
      JSON.stringify(buildShootAdmissionReview({ operation: 'CREATE', object: shoot, uid: 'e2e' })),
    );
    expect(answer).toMatchObject({
      status: 200,
      body: { response: { uid: 'e2e', allowed: false, status: { code: 422, reason: 'Invalid' } } },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    expect(metrics).toContain(
      'controller_runtime_webhook_requests_total{webhook="/webhooks/validate-shoot",code="200"} 1',
    );
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('logs only JSON, says once that secrets are not checked, and stops cleanly on SIGTERM', async () => {
    await webhook.stop();
    expect(await webhook.waitForExit()).toBe(0);
    const lines = (await readFile(logFile(), 'utf8')).split('\n').filter((l) => l !== '');
    const entries = lines.map((line) => JSON.parse(line) as { msg: string; level: string; logger: string });
    expect(entries.filter((e) => e.msg.startsWith('No garden kubeconfig'))).toHaveLength(1);
    expect(entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining([
        'Starting gardener-extension-shoot-flux admission',
        'Serving admission webhook',
        'Denied Shoot',
        'Received signal, shutting down',
      ]),
    );
    expect(entries.every((e) => e.logger.startsWith('shoot-flux-admission'))).toBe(true);
  });

  it.each([
    ['a port out of range', ['--webhook-config-server-port=70000'], 2, '"70000" is not a port'],
    ['a bad bind address', ['--health-bind-address=here'], 2, 'invalid bind address'],
    [
      'a missing certificate',
      ['--webhook-config-cert-dir=/nonexistent', '--webhook-config-server-port=0'],
      1,
      'cannot read /nonexistent/tls.crt',
    ],
  ])('exits on %s with its exit code and says why', (_name, args, code, message) => {
    const result = spawnSync(
      process.execPath,
      [builtCli, 'admission', '--metrics-bind-address=0', '--health-bind-address=0', ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(result.status).toBe(code);
    expect(result.stderr).toContain(message);
  });
});
