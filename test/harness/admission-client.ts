// Requests to the admission webhook as the API server makes them: HTTPS to loopback, verified
// against the test's CA.
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

/** What one request to the webhook got back. */
export interface WebhookAnswer {
  status: number;
  /** The body as text (JSON for every answer the webhook gives). */
  text: string;
  /** SHA-256 fingerprint of the certificate the webhook served. */
  fingerprint: string;
}

/** Sends one request (default: POST /webhooks/validate-shoot, application/json). */
export function requestWebhook(options: {
  port: number;
  ca: string;
  body?: string | Buffer;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** A keep-alive agent for many requests; default a new connection. */
  agent?: https.Agent;
}): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/webhooks/validate-shoot',
        ca: options.ca,
        agent: options.agent ?? false,
        headers: { 'Content-Type': 'application/json', ...options.headers },
      },
      (response) => {
        const fingerprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, text, fingerprint });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
