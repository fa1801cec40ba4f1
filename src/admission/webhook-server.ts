import type { LandscapeFluxPolicy } from '../api/landscape-policy.js';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { buildFailureStatus } from './admission-status.js';
import { CertificateReloader, readServingCertificate } from './certificate-reloader.js';
import type { AdmissionMetrics } from './metrics.js';
import { answerShootReview, observeSecretReads, type HttpAnswer } from './review-handler.js';
import type { SecretReader } from './secret-references.js';

/** The path the ValidatingWebhookConfiguration calls for Shoots. */
export const shootWebhookPath = '/webhooks/validate-shoot';

/**
 * Largest request body accepted: an AdmissionReview carries the object and the old object,
 * each up to the API server's 3 MiB request limit, plus the envelope.
 */
export const defaultMaxRequestBytes = 7 * 1024 * 1024;

/** Options of {@link AdmissionServer}; the CLI maps Gardener's webhook server flags onto them. */
export interface AdmissionServerOptions {
  /** `--webhook-config-server-host`; empty listens on every address. */
  host?: string;
  /** `--webhook-config-server-port`; 0 picks a free port. */
  port: number;
  /** `--webhook-config-cert-dir`: holds `tls.crt` and `tls.key`. */
  certDir: string;
  logger: Logger;
  metrics: AdmissionMetrics;
  /** Reads the garden's secrets; without it referenced secrets are not checked. */
  secrets?: SecretReader;
  /** The landscape's Flux defaults and enforcement (`admission`'s landscape flags, the same as run's). */
  landscape?: LandscapeFluxPolicy;
  maxRequestBytes?: number;
  certPollIntervalMs?: number;
  secretReadTimeoutMs?: number;
}

function jsonAnswer(
  response: ServerResponse,
  answer: HttpAnswer,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(answer.body);
  response
    .writeHead(answer.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    })
    .end(body);
}

function statusAnswer(code: number, reason: string, message: string): HttpAnswer {
  return {
    status: code,
    body: { apiVersion: 'v1', kind: 'Status', ...buildFailureStatus(code, reason, message) },
  };
}

/** Why a body could not be read: too large, or the connection failed. */
class BodyError extends Error {
  constructor(
    readonly answer: HttpAnswer,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a request body up to `limit` bytes; rejects with a 413 answer beyond it. */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () =>
    new BodyError(
      statusAnswer(413, 'RequestEntityTooLarge', `request body exceeds ${limit} bytes`),
      'request body too large',
    );
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', (err) => {
      reject(new BodyError(statusAnswer(400, 'BadRequest', 'cannot read request body'), err.message));
    });
  });
}

/**
 * The validating webhook's HTTPS server: POST {@link shootWebhookPath} answers Shoot reviews;
 * the serving certificate is reloaded from the certificate directory whenever it changes.
 * Nothing a client sends can make it throw: every failure is an HTTP answer and a log line.
 */
export class AdmissionServer {
  private server: Server | undefined;
  private reloader: CertificateReloader | undefined;
  private serving = false;
  private readonly secrets: SecretReader | undefined;

  constructor(private readonly options: AdmissionServerOptions) {
    this.secrets = options.secrets ? observeSecretReads(options.secrets, options.metrics) : undefined;
  }

  /** Loads the certificate, starts listening and watching the certificate; returns the bound port. */
  async start(): Promise<number> {
    const { options } = this;
    const certificate = readServingCertificate(options.certDir);
    const server = createServer(
      { cert: certificate.cert, key: certificate.key, minVersion: 'TLSv1.2' },
      (request, response) => {
        void this.handle(request, response);
      },
    );
    // Longer than the API server's idle connection timeout (90 s), so it never reuses a
    // connection this side is closing.
    server.keepAliveTimeout = 120_000;
    server.requestTimeout = 60_000;
    server.on('tlsClientError', (err) => {
      options.logger.debug('TLS handshake failed', { error: err.message });
    });
    server.on('clientError', (err, socket) => {
      options.logger.debug('Malformed HTTP request', { error: err.message });
      socket.destroy();
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host === '' ? undefined : options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.reloader = new CertificateReloader(
      {
        certDir: options.certDir,
        logger: options.logger,
        pollIntervalMs: options.certPollIntervalMs,
        onReload: (next) => {
          server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
        },
        observe: (result) => {
          options.metrics.certificateReloads.inc({ result });
        },
      },
      certificate,
    );
    this.reloader.start();
    this.serving = true;
    const port = (server.address() as AddressInfo).port;
    options.logger.info('Serving admission webhook', {
      host: options.host ?? '',
      port,
      path: shootWebhookPath,
      fingerprint: certificate.fingerprint,
      validTo: certificate.validTo,
    });
    return port;
  }

  /** Whether the server is listening (the readiness check). */
  isServing(): boolean {
    return this.serving;
  }

  /** Reads the certificate directory now (what the watch and the poll do). */
  reloadCertificate(): boolean {
    return this.reloader?.check() ?? false;
  }

  /** Stops accepting requests, lets running ones finish, and closes idle connections. */
  async stop(): Promise<void> {
    this.serving = false;
    this.reloader?.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { logger, metrics } = this.options;
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path !== shootWebhookPath) {
      jsonAnswer(response, statusAnswer(404, 'NotFound', `no webhook at ${path.slice(0, 100)}`));
      return;
    }
    const started = process.hrtime.bigint();
    metrics.inFlight.inc({ webhook: path });
    let answer: HttpAnswer;
    let headers: Record<string, string> = {};
    try {
      answer = await this.answer(request);
    } catch (err) {
      if (err instanceof BodyError) {
        answer = err.answer;
        // The rest of the body is not read: the connection cannot be reused.
        headers = { Connection: 'close' };
        logger.info('Refused webhook request', { error: err.message });
      } else {
        logger.error('Webhook request failed', { error: err instanceof Error ? err.message : String(err) });
        answer = statusAnswer(500, 'InternalError', 'the review failed unexpectedly');
      }
    }
    if (!response.headersSent && !response.destroyed) jsonAnswer(response, answer, headers);
    metrics.inFlight.dec({ webhook: path });
    metrics.requests.inc({ webhook: path, code: String(answer.status) });
    metrics.latency.observe({ webhook: path }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async answer(request: IncomingMessage): Promise<HttpAnswer> {
    const { options } = this;
    if (request.method !== 'POST') {
      request.resume();
      return statusAnswer(405, 'MethodNotAllowed', `${request.method ?? ''} is not allowed; send POST`);
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (contentType !== 'application/json') {
      request.resume();
      return statusAnswer(415, 'UnsupportedMediaType', 'send the AdmissionReview as application/json');
    }
    const text = await readBody(request, options.maxRequestBytes ?? defaultMaxRequestBytes);
    return answerShootReview(text, {
      logger: options.logger,
      metrics: options.metrics,
      ...(this.secrets ? { secrets: this.secrets } : {}),
      ...(options.landscape ? { landscape: options.landscape } : {}),
      ...(options.secretReadTimeoutMs !== undefined
        ? { secretReadTimeoutMs: options.secretReadTimeoutMs }
        : {}),
    });
  }
}
