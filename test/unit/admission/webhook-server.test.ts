// The webhook's HTTPS server on loopback (no API server): routing, limits, failures as answers,
// metrics, and a rotated certificate served without a restart.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmissionMetrics } from '../../../src/admission/metrics.js';
import type { SecretReader } from '../../../src/admission/secret-references.js';
import { AdmissionServer, shootWebhookPath } from '../../../src/admission/webhook-server.js';
import { discardLogger } from '../../../src/log/logger.js';
import {
  createTestCertificateAuthority,
  writeServingCertificate,
  type TestCertificateAuthority,
} from '../../harness/admission-certificates.js';
import { requestWebhook } from '../../harness/admission-client.js';
import { buildShoot, buildShootAdmissionReview } from '../../harness/admission-shoots.js';

async function send(
  port: number,
  ca: string,
  options: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; fingerprint: string }> {
  const answer = await requestWebhook({ port, ca, ...options });
  return { ...answer, body: answer.text === '' ? undefined : (JSON.parse(answer.text) as unknown) };
}

describe('AdmissionServer', () => {
  let dir: string;
  let ca: TestCertificateAuthority;
  let server: AdmissionServer;
  let port: number;
  const metrics = createAdmissionMetrics({ defaultMetrics: false });
  let secretsFail = false;
  const secrets: SecretReader = {
    secretExists: () =>
      secretsFail ? Promise.reject(new Error('connection refused')) : Promise.resolve(true),
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-webhook-'));
    ca = await createTestCertificateAuthority('webhook-test-ca');
    await writeServingCertificate(dir, await ca.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'] }));
    server = new AdmissionServer({
      host: '127.0.0.1',
      port: 0,
      certDir: dir,
      logger: discardLogger,
      metrics,
      secrets,
      maxRequestBytes: 64 * 1024,
      certPollIntervalMs: 200,
    });
    port = await server.start();
  });

  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const review = (object = buildShoot()) =>
    JSON.stringify(buildShootAdmissionReview({ operation: 'CREATE', object, uid: 'uid-7' }));

  it('answers a review with an AdmissionReview and counts it', async () => {
    const answer = await send(port, ca.cert, { body: review() });
    expect(answer).toMatchObject({
      status: 200,
      body: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: 'uid-7', allowed: true },
      },
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      `controller_runtime_webhook_requests_total{webhook="${shootWebhookPath}",code="200"}`,
    );
    expect(text).toMatch(
      /shoot_flux_admission_reviews_total\{operation="CREATE",result="allowed",warnings="false"\} \d/,
    );
    expect(text).toMatch(/shoot_flux_admission_secret_reads_total\{result="found"\} 2/);
  });

  it.each([
    ['a body that is not JSON', { body: '{"apiVersion":' }, 400, 'BadRequest', 'request body is not JSON'],
    [
      'a malformed AdmissionReview',
      { body: '{"kind":"AdmissionReview"}' },
      400,
      'BadRequest',
      'malformed AdmissionReview',
    ],
    ['another path', { path: '/validate', body: review() }, 404, 'NotFound', 'no webhook at /validate'],
    ['another method', { method: 'GET' }, 405, 'MethodNotAllowed', 'send POST'],
    [
      'another content type',
      { body: review(), headers: { 'Content-Type': 'application/yaml' } },
      415,
      'UnsupportedMediaType',
      'application/json',
    ],
  ])('answers %s with a JSON Status', async (_name, options, status, reason, message) => {
    const answer = await send(port, ca.cert, options);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      code: status,
      reason,
      message: expect.stringContaining(message) as unknown,
    });
  });

  it('refuses a body over the limit, declared or streamed, and keeps serving', async () => {
    const big = Buffer.alloc(100 * 1024, 'a');
    expect((await send(port, ca.cert, { body: big })).status).toBe(413);
    const streamed = await send(port, ca.cert, { body: big, headers: { 'Transfer-Encoding': 'chunked' } });
    expect(streamed).toMatchObject({ status: 413, body: { reason: 'RequestEntityTooLarge' } });
    expect((await send(port, ca.cert, { body: review() })).status).toBe(200);
  });

  it('answers 500 when the garden cannot be asked about a secret, so failurePolicy decides', async () => {
    secretsFail = true;
    try {
      const answer = await send(port, ca.cert, { body: review() });
      expect(answer).toMatchObject({
        status: 500,
        body: { reason: 'InternalError', message: expect.stringContaining('connection refused') as unknown },
      });
    } finally {
      secretsFail = false;
    }
  });

  it('serves a rotated certificate without a restart, and keeps the current one while the files are broken', async () => {
    const before = (await send(port, ca.cert, { body: review() })).fingerprint;
    // A key that does not belong to the certificate: not taken into use.
    const other = await ca.issue({ commonName: 'other', ipAddresses: ['127.0.0.1'] });
    await writeFile(path.join(dir, 'tls.key'), other.key);
    expect(server.reloadCertificate()).toBe(false);
    expect((await send(port, ca.cert, { body: review() })).fingerprint).toBe(before);

    // A new CA and certificate, written as a rotation would: picked up by the watch or the poll.
    const rotatedCa = await createTestCertificateAuthority('rotated-ca');
    await writeServingCertificate(
      dir,
      await rotatedCa.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'] }),
    );
    await expect
      .poll(async () => (await send(port, rotatedCa.cert, { body: review() }).catch(() => undefined))?.status)
      .toBe(200);
    await expect(send(port, ca.cert, { body: review() })).rejects.toThrow(
      /self-signed|unable to verify|certificate/i,
    );
    expect(await metrics.registry.metrics()).toMatch(
      /shoot_flux_admission_certificate_reloads_total\{result="success"\} 1/,
    );
  });
});

describe('AdmissionServer start', () => {
  it('fails with the file and reason when the certificate is missing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-webhook-empty-'));
    try {
      const server = new AdmissionServer({
        port: 0,
        certDir: dir,
        logger: discardLogger,
        metrics: createAdmissionMetrics({ defaultMetrics: false }),
      });
      await expect(server.start()).rejects.toThrow(`cannot read ${path.join(dir, 'tls.crt')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
