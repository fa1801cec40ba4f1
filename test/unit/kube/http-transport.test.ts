import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeServer,
  KubeRequestTimeoutError,
  sendHttpRequest,
  streamHttpLines,
  type HttpExchangeOptions,
} from '../../../src/kube/http-transport.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';

// Loopback servers that misbehave on purpose (no Kubernetes API involved: this is the byte
// transport under the API client).

interface Loopback {
  port: number;
  /** Resolves once every connection the server accepted so far has been closed by the client. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(server: net.Server): Promise<Loopback> {
  const open = new Set<net.Socket>();
  const waiters: (() => void)[] = [];
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    // Only a socket that reads sees the client's end (a silent one never answers, but listens).
    socket.resume();
    socket.on('close', () => {
      open.delete(socket);
      if (open.size === 0) for (const resolve of waiters.splice(0)) resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const loopback: Loopback = {
    port: (server.address() as net.AddressInfo).port,
    allClosed: () =>
      open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
  servers.push(loopback);
  return loopback;
}

/** An HTTP server answering per path: `/hang` never, `/stall` headers only, `/watch` two lines. */
function apiLike(): Promise<Loopback> {
  return listen(
    http.createServer((req, res) => {
      if (req.url?.startsWith('/hang')) return;
      if (req.url?.startsWith('/stall')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"kind":');
        return;
      }
      if (req.url?.startsWith('/watch')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"type":"ADDED"}\n{"type":"MODIFIED"}\n');
        if (req.url.includes('end')) res.end();
        if (req.url.includes('cut')) res.socket?.destroy();
        return;
      }
      res.end('{"kind":"APIResourceList"}');
    }),
  );
}

function spec(port: number, requestPath: string, protocol = 'http') {
  return {
    url: new URL(`${protocol}://127.0.0.1:${port}${requestPath}`),
    method: 'GET',
    headers: { Authorization: 'Bearer not-for-messages' },
    agent: protocol === 'https' ? undefined : new http.Agent(),
  };
}

const options = (port: number, extra: Partial<HttpExchangeOptions> = {}): HttpExchangeOptions => ({
  serverRole: 'shoot API server',
  server: `http://127.0.0.1:${port}`,
  verb: 'discover',
  object: 'v1',
  timeouts: { connectMs: 2_000, requestMs: 300 },
  ...extra,
});

describe('describeServer', () => {
  it.each([
    ['https://admin:s3cret@api.example.com/', 'https://api.example.com:443'],
    ['https://api.example.com:6443/prefix/?token=x#frag', 'https://api.example.com:6443/prefix'],
    ['http://127.0.0.1', 'http://127.0.0.1:80'],
    ['https://[::1]:8443', 'https://[::1]:8443'],
  ])('%s → %s (no userinfo, query or fragment)', (url, expected) => {
    expect(describeServer(new URL(url))).toBe(expected);
  });
});

describe('sendHttpRequest', () => {
  it('reads a response within the timeouts', async () => {
    const server = await apiLike();
    await expect(sendHttpRequest(spec(server.port, '/api/v1'), options(server.port))).resolves.toEqual({
      status: 200,
      text: '{"kind":"APIResourceList"}',
    });
  });

  it('times out a server that never answers, naming server and request, and closes the connection', async () => {
    const server = await apiLike();
    const failure = await sendHttpRequest(
      spec(server.port, '/hang?labelSelector=a'),
      options(server.port),
    ).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(KubeRequestTimeoutError);
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure).toMatchObject({ phase: 'request', statusCode: undefined, verb: 'discover' });
    expect((failure as Error).message).toBe(
      `discover v1: request to shoot API server http://127.0.0.1:${server.port} timed out after 300ms (GET /hang)`,
    );
    expect((failure as Error).message).not.toContain('not-for-messages');
    await server.allClosed();
  });

  it('times out a response body that stops half-way', async () => {
    const server = await apiLike();
    await expect(sendHttpRequest(spec(server.port, '/stall'), options(server.port))).rejects.toMatchObject({
      phase: 'request',
    });
    await server.allClosed();
  });

  it('times out a TLS handshake that never completes as a connect timeout', async () => {
    // Accepts TCP, never says a word of TLS.
    const server = await listen(net.createServer(() => undefined));
    const failure = await sendHttpRequest(
      spec(server.port, '/api/v1', 'https'),
      options(server.port, {
        server: `https://127.0.0.1:${server.port}`,
        timeouts: { connectMs: 200, requestMs: 60_000 },
      }),
    ).catch((err: unknown) => err);
    expect(failure).toMatchObject({ phase: 'connect' });
    expect((failure as Error).message).toContain(
      `connecting to shoot API server https://127.0.0.1:${server.port} timed out after 200ms (GET /api/v1)`,
    );
    await server.allClosed();
  });

  it('ends at once when any of its signals aborts, saying why', async () => {
    const server = await apiLike();
    const lifetime = new AbortController();
    const pending = sendHttpRequest(
      spec(server.port, '/hang'),
      options(server.port, { timeouts: undefined, signals: [undefined, lifetime.signal] }),
    );
    lifetime.abort(new Error('the controller stopped'));
    await expect(pending).rejects.toMatchObject({
      name: 'AbortError',
      message: `request to shoot API server http://127.0.0.1:${server.port} aborted: the controller stopped (GET /hang)`,
    });
    await server.allClosed();
  });
});

describe('streamHttpLines', () => {
  it('hands over every line and resolves when the server ends the stream', async () => {
    const server = await apiLike();
    const lines: string[] = [];
    await expect(
      streamHttpLines(
        spec(server.port, '/watch?end=1'),
        { ...options(server.port), streamDeadlineMs: 60_000 },
        (l) => lines.push(l),
      ),
    ).resolves.toEqual({ status: 200 });
    expect(lines).toEqual(['{"type":"ADDED"}', '{"type":"MODIFIED"}']);
  });

  it('bounds a stream only by its stream deadline once the headers came', async () => {
    const server = await apiLike();
    const lines: string[] = [];
    // The request timeout (300 ms) is shorter than the stream deadline: it must not end the stream.
    const failure = await streamHttpLines(
      spec(server.port, '/watch'),
      { ...options(server.port), streamDeadlineMs: 800 },
      (l) => lines.push(l),
    ).catch((err: unknown) => err);
    expect(failure).toMatchObject({ phase: 'stream' });
    expect((failure as Error).message).toContain('did not end within 800ms (GET /watch)');
    expect(lines).toHaveLength(2);
    await server.allClosed();
  });

  it('times out a watch whose headers never come like a request', async () => {
    const server = await apiLike();
    await expect(
      streamHttpLines(
        spec(server.port, '/hang'),
        { ...options(server.port), streamDeadlineMs: 60_000 },
        () => undefined,
      ),
    ).rejects.toMatchObject({ phase: 'request' });
    await server.allClosed();
  });

  it('rejects a stream the connection cut instead of taking it for a clean end', async () => {
    const server = await apiLike();
    await expect(
      streamHttpLines(
        spec(server.port, '/watch?cut=1'),
        { ...options(server.port), streamDeadlineMs: 60_000 },
        () => undefined,
      ),
    ).rejects.toThrow(/aborted|was cut|socket hang up/);
  });

  it('ends the stream with the error its consumer throws', async () => {
    const server = await apiLike();
    const verdict = new Error('410 Gone');
    await expect(
      streamHttpLines(
        spec(server.port, '/watch'),
        { ...options(server.port), streamDeadlineMs: 60_000 },
        () => {
          throw verdict;
        },
      ),
    ).rejects.toBe(verdict);
    await server.allClosed();
  });
});
