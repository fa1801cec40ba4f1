import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { KubernetesApiError } from './errors.js';

/**
 * Time limits of one request to an API server. A server that accepts connections and never
 * answers would otherwise hold the caller until its own (much longer) deadline.
 */
export interface RequestTimeouts {
  /** From sending until the TCP connection (and TLS handshake) is up. */
  readonly connectMs: number;
  /** From sending until the whole response is read; for a watch, until its headers arrived. */
  readonly requestMs: number;
}

/** One request as client-node's authentication filled it in: URL, headers, agent, body. */
export interface HttpRequestSpec {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The connection agent (TLS material, proxy); destroyed once the exchange ended unless shared. */
  readonly agent?: http.Agent;
  /** The agent is a pooled keep-alive agent: its socket goes back to it for the next request. */
  readonly sharedAgent?: boolean;
}

/** How one exchange is bounded and how its errors name it. */
export interface HttpExchangeOptions {
  /**
   * Any of them aborting ends the exchange. Listened to directly: Node 20's `AbortSignal.any`
   * holds its sources weakly, so a timeout signal referenced by nothing else could vanish.
   */
  readonly signals?: readonly (AbortSignal | undefined)[];
  readonly timeouts?: RequestTimeouts;
  /** What the server is to the reader of an error, e.g. `shoot API server`. */
  readonly serverRole: string;
  /** The server as errors name it (see `describeServer`). */
  readonly server: string;
  readonly verb: string;
  readonly object: string;
}

/** How long a watch's stream may last once its headers arrived (see `streamHttpLines`). */
export interface StreamOptions extends HttpExchangeOptions {
  /** Past this, the stream counts as stuck and is ended with a timeout error. */
  readonly streamDeadlineMs: number;
}

/** Which part of an exchange ran out of time. */
export type TimeoutPhase = 'connect' | 'request' | 'stream';

/**
 * A request to an API server that ran out of time: which phase, against which server (no
 * userinfo, no query), after how long. A KubernetesApiError without status code, so the error
 * wrapping keeps it as is and it is retried like any transient failure.
 */
export class KubeRequestTimeoutError extends KubernetesApiError {
  constructor(
    verb: string,
    object: string,
    /** Which part of the exchange timed out. */
    readonly phase: TimeoutPhase,
    /** e.g. `https://api.shoot.example:443`. */
    readonly server: string,
    detail: string,
  ) {
    super(verb, object, undefined, 'Timeout', detail);
  }
}

/** The server part of a URL for messages: scheme, host, port, path prefix; never userinfo or query. */
export function describeServer(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  const prefix = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.hostname}:${port}${prefix}`;
}

/** Go-style duration text: `500ms`, `2s`, `1.5s`, `1m30s`. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3));
  if (minutes === 0) return `${seconds}s`;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

/** `GET /apis/apps/v1/namespaces/x/deployments` (no query: selectors are noise here). */
function describeRequest(spec: HttpRequestSpec): string {
  return `${spec.method} ${spec.url.pathname}`;
}

/**
 * One HTTP exchange with its timers: the connect timer runs until the socket is connected (and
 * TLS is up), the phase timer until the response is read (or, for a watch, first until the
 * headers came and then for the stream's deadline). Whatever ends the exchange (completion, a
 * timer, the caller's signal) clears the timers and destroys a per-request agent, so no
 * socket outlives the exchange but a pooled one, which its agent keeps for the next request.
 */
class HttpExchange {
  private readonly request: http.ClientRequest;
  private readonly timers = new Set<NodeJS.Timeout>();
  private phaseTimer: NodeJS.Timeout | undefined;
  private ended = false;
  /** Why the exchange was ended early: what every consumer rethrows instead of a socket error. */
  failure: Error | undefined;
  readonly response: Promise<http.IncomingMessage>;

  constructor(
    private readonly spec: HttpRequestSpec,
    private readonly options: HttpExchangeOptions,
  ) {
    const transport = spec.url.protocol === 'https:' ? https : http;
    this.request = transport.request(spec.url, {
      method: spec.method,
      headers: spec.headers,
      agent: spec.agent,
    });
    this.response = new Promise((resolve, reject) => {
      this.request.once('response', resolve);
      this.request.once('error', reject);
    });
    // Rejections are handled by whoever awaits `response`; this keeps an early one from being unhandled.
    this.response.catch(() => undefined);
    // An error after the response came (a cut stream) reaches the consumer through the response
    // stream; without a listener here it would crash the process instead.
    this.request.on('error', () => undefined);
    const signals = this.signals();
    const aborted = signals.find((signal) => signal.aborted);
    if (aborted) {
      this.fail(this.abortError(aborted));
      return;
    }
    for (const signal of signals) signal.addEventListener('abort', this.onAbort, { once: true });
    const { timeouts } = options;
    if (timeouts) {
      const connectTimer = this.startTimer(timeouts.connectMs, 'connect');
      this.request.once('socket', (socket: Socket) => {
        this.watchConnect(socket, connectTimer);
      });
      this.phaseTimer = this.startTimer(timeouts.requestMs, 'request');
    }
    this.request.end(spec.body);
  }

  /** Replaces the phase timer: from now on the exchange may last `ms` (a watch's stream). */
  extendPhase(ms: number): void {
    if (this.phaseTimer) this.clearTimer(this.phaseTimer);
    this.phaseTimer = this.startTimer(ms, 'stream');
  }

  /** Ends the exchange with `err` (surfacing wherever it is awaited). */
  fail(err: Error): void {
    this.failure ??= err;
    this.request.destroy(err);
  }

  /**
   * Releases timers and the abort listener, and a per-request agent with any socket it holds.
   * A completed exchange has handed its socket back to a shared agent already (destroying the
   * request then is a no-op); one ended early destroys its socket, never the shared agent.
   */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const signal of this.signals()) signal.removeEventListener('abort', this.onAbort);
    this.request.destroy();
    if (!this.spec.sharedAgent) this.spec.agent?.destroy();
  }

  private signals(): AbortSignal[] {
    return (this.options.signals ?? []).filter((signal): signal is AbortSignal => signal !== undefined);
  }

  private readonly onAbort = (event: Event) => {
    this.fail(this.abortError(event.target as AbortSignal));
  };

  private abortError(signal: AbortSignal): Error {
    const reason: unknown = signal.reason;
    const why = reason instanceof Error ? reason.message : 'aborted';
    const err = new Error(
      `request to ${this.options.serverRole} ${this.options.server} aborted: ${why} ` +
        `(${describeRequest(this.spec)})`,
      { cause: reason },
    );
    err.name = 'AbortError';
    return err;
  }

  private watchConnect(socket: Socket, connectTimer: NodeJS.Timeout): void {
    const connected = () => {
      this.clearTimer(connectTimer);
    };
    // A pooled socket is connected already; a new one is connected once TLS (if any) is up.
    if (this.request.reusedSocket) connected();
    else if (this.spec.url.protocol === 'https:') socket.once('secureConnect', connected);
    else if (socket.connecting) socket.once('connect', connected);
    else connected();
  }

  private startTimer(ms: number, phase: TimeoutPhase): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.fail(this.timeoutError(phase, ms));
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private timeoutError(phase: TimeoutPhase, ms: number): KubeRequestTimeoutError {
    const server = this.options.server;
    const what =
      phase === 'connect'
        ? `connecting to ${this.options.serverRole} ${server} timed out after ${formatDuration(ms)}`
        : phase === 'request'
          ? `request to ${this.options.serverRole} ${server} timed out after ${formatDuration(ms)}`
          : `watch on ${this.options.serverRole} ${server} did not end within ${formatDuration(ms)}`;
    return new KubeRequestTimeoutError(
      this.options.verb,
      this.options.object,
      phase,
      server,
      `${what} (${describeRequest(this.spec)})`,
    );
  }
}

async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends one request and reads the whole response, within the connect and request timeouts and
 * the caller's signal. Rejects with KubeRequestTimeoutError when a timeout ran out, with an
 * `AbortError` when the signal aborted, and with the socket's error otherwise.
 */
export async function sendHttpRequest(
  spec: HttpRequestSpec,
  options: HttpExchangeOptions,
): Promise<{ status: number; text: string }> {
  const exchange = new HttpExchange(spec, options);
  try {
    const response = await exchange.response;
    return { status: response.statusCode ?? 0, text: await readText(response) };
  } catch (err) {
    throw exchange.failure ?? err;
  } finally {
    exchange.finish();
  }
}

/**
 * Opens a streaming request (a watch) and hands every line of a 200 response to `onLine` until
 * the server ends the stream. The connect and request timeouts bound the time until the
 * response headers; after them the stream may last `streamDeadlineMs` (a watch asked the server
 * to end after `timeoutSeconds`, so a stream that outlives that by far is stuck). A non-200
 * response resolves with its status and body instead of streaming. An exception thrown by
 * `onLine` ends the stream, and the call rejects with it.
 */
export async function streamHttpLines(
  spec: HttpRequestSpec,
  options: StreamOptions,
  onLine: (line: string) => void,
): Promise<{ status: number; text?: string }> {
  const exchange = new HttpExchange(spec, options);
  try {
    const response = await exchange.response;
    const status = response.statusCode ?? 0;
    if (status !== 200) return { status, text: await readText(response) };
    exchange.extendPhase(options.streamDeadlineMs);
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      lines.on('line', (line) => {
        try {
          onLine(line);
        } catch (err) {
          // The consumer's verdict on an event (e.g. an ERROR event) ends the stream with it.
          exchange.fail(err instanceof Error ? err : new Error(String(err)));
        }
      });
      lines.once('error', reject);
      response.once('error', reject);
      lines.once('close', () => {
        // Only a stream the server ended is a clean end; a cut one (timer, signal, network) is not.
        if (response.complete) resolve();
        else reject(new Error(`watch on ${options.serverRole} ${options.server} was cut`));
      });
    });
    return { status };
  } catch (err) {
    throw exchange.failure ?? err;
  } finally {
    exchange.finish();
  }
}
