import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';

/** A named readiness or liveness check; returns why it fails, or undefined when fine. */
export type Check = () => string | undefined;

/** Parses a Go-style bind address (`:8080`, `127.0.0.1:8080`, `0` = disabled). */
export function parseBindAddress(address: string): { host?: string; port: number } | undefined {
  if (address === '' || address === '0') return undefined;
  const index = address.lastIndexOf(':');
  const host = index > 0 ? address.slice(0, index).replace(/^\[|\]$/g, '') : undefined;
  const portText = index >= 0 ? address.slice(index + 1) : address;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`invalid bind address "${address}"`);
  return host ? { host, port } : { port };
}

/** An HTTP listener serving health checks and/or metrics. */
export class ProbeServer {
  private server: Server | undefined;

  constructor(
    private readonly options: {
      logger: Logger;
      healthz?: Record<string, Check>;
      readyz?: Record<string, Check>;
      metrics?: Registry;
    },
  ) {}

  /** Listens on the address; returns the bound port (useful with port 0). */
  async listen(address: { host?: string; port: number }): Promise<number> {
    const server = createServer((request, response) => {
      void this.handle(request.url ?? '/', response);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  private async handle(url: string, response: ServerResponse): Promise<void> {
    const path = url.split('?')[0];
    if (path === '/metrics' && this.options.metrics) {
      try {
        const body = await this.options.metrics.metrics();
        response.writeHead(200, { 'Content-Type': this.options.metrics.contentType }).end(body);
      } catch (err) {
        this.options.logger.error('Could not render metrics', {
          error: err instanceof Error ? err.message : String(err),
        });
        response.writeHead(500).end();
      }
      return;
    }
    const checks =
      path === '/healthz' ? this.options.healthz : path === '/readyz' ? this.options.readyz : undefined;
    if (!checks) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const failures = Object.entries(checks).flatMap(([name, check]) => {
      const reason = check();
      return reason === undefined ? [] : [`[-]${name} failed: ${reason}`];
    });
    const lines = Object.keys(checks).map(
      (name) => failures.find((f) => f.startsWith(`[-]${name} `)) ?? `[+]${name} ok`,
    );
    response
      .writeHead(failures.length === 0 ? 200 : 503, { 'Content-Type': 'text/plain' })
      .end(`${lines.join('\n')}\n${failures.length === 0 ? 'ok' : 'failed'}\n`);
  }
}
