import type http from 'node:http';
import type { AuthRequest, KubeConnection } from './kube-connection.js';
import type { KubeRequestObserver } from './kubeconfig.js';
import { KubernetesApiError, decodeStatusBody, describeHttpFailure, wrapKubernetesError } from './errors.js';
import {
  describeServer,
  sendHttpRequest,
  streamHttpLines,
  type HttpRequestSpec,
  type RequestTimeouts,
} from './http-transport.js';

/** The media type of a JSON merge patch (RFC 7386), the controller's write for status and metadata. */
export const mergePatchContentType = 'application/merge-patch+json';

/** One request to the Kubernetes API with a raw JSON body. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. `/api/v1/namespaces/x/configmaps/y` or `/apis/apps/v1/...`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Default `application/json`; e.g. a `PartialObjectMetadata` media type to leave out the data. */
  accept?: string;
  signal?: AbortSignal;
  /** How errors name the request: verb and object, e.g. `apply`, `Deployment ns/name`. */
  verb: string;
  object: string;
}

/** One watch: a collection path, its selectors, where to start, and when the server ends it. */
export interface KubeWatchRequest {
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Asked of the server; the client gives up on a stream that outlives it by the request timeout. */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

/** One event of a watch stream, as the API server sends it. */
export interface KubeWatchEvent {
  type: string;
  object: unknown;
}

/** Options of a {@link KubeRawClient}. */
export interface KubeRawClientOptions {
  /** What errors call the server, e.g. `shoot API server`. Default `API server`. */
  serverRole?: string;
  /** Connect and request timeouts of every request; without them only the caller's signal bounds one. */
  timeouts?: RequestTimeouts;
  /** The client's lifetime: when it aborts, every request and watch in flight ends and new ones fail. */
  lifetime?: AbortSignal;
}

/**
 * Raw JSON requests to any API path with a KubeConfig's server and credentials. Bodies and
 * responses pass untouched: client-node's typed models drop fields they do not know (CRD schema
 * extensions, unknown fields), and CustomObjectsApi only reaches `/apis/…`, not the core group
 * (`/api/v1`: Namespace, ServiceAccount, Service, Secret, ConfigMap). One route serves all kinds.
 *
 * The connection authenticates each request (headers, TLS agent, pooled keep-alive agents for
 * the controller's own connections); the bytes go through node:http(s)
 * because client-node's fetch has no connect timeout and its Watch cannot be cancelled before
 * the server answered. Every request gets the client's timeouts and ends with its lifetime.
 */
export class KubeRawClient {
  private readonly server: string;
  private readonly serverName: string;
  private readonly serverRole: string;

  constructor(
    readonly kubeConfig: KubeConnection,
    private readonly listener?: KubeRequestObserver,
    private readonly options: KubeRawClientOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.serverName = describeServer(new URL(this.server));
    this.serverRole = options.serverRole ?? 'API server';
  }

  /** Sends a request; resolves with status and parsed JSON body, throws KubernetesApiError for non-2xx. */
  async request(request: KubeRequest): Promise<{ status: number; body: unknown }> {
    const url = this.buildUrl(request.path, request.query);
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.send(request, url));
    } catch (err) {
      this.listener?.(request.verb, 'error');
      throw wrapKubernetesError(err, request.verb, request.object);
    }
    this.listener?.(request.verb, String(status));
    if (status < 200 || status > 299) {
      const statusBody = decodeStatusBody(text);
      throw new KubernetesApiError(
        request.verb,
        request.object,
        status,
        statusBody.reason,
        describeHttpFailure(status, statusBody),
      );
    }
    if (text === '') return { status, body: undefined };
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch {
      // JSON.parse quotes the text it choked on; say only what went wrong.
      throw new KubernetesApiError(request.verb, request.object, status, undefined, 'response is not JSON');
    }
  }

  /**
   * Watches a collection and hands each event to `onEvent` until the server ends the stream
   * (resolves), or the stream fails, times out, or the signal aborts (rejects). A non-200
   * answer rejects with a KubernetesApiError carrying its status (e.g. 410 Gone, 403). An
   * exception thrown by `onEvent` ends the watch, and the call rejects with it.
   */
  async watch(request: KubeWatchRequest, onEvent: (event: KubeWatchEvent) => void): Promise<void> {
    const verb = 'watch';
    const object = request.path;
    const url = this.buildUrl(request.path, {
      ...request.query,
      watch: true,
      timeoutSeconds: request.timeoutSeconds,
    });
    const spec = await this.authenticate('GET', url);
    // The server ends the watch after timeoutSeconds; only a stream that outlives that by a
    // request timeout (or half a minute without one) is stuck, not one that ends on time.
    const graceMs = this.options.timeouts?.requestMs ?? 30_000;
    let outcome: { status: number; text?: string };
    let verdict: unknown;
    try {
      outcome = await streamHttpLines(
        spec,
        {
          ...this.exchangeOptions(verb, object, request.signal),
          streamDeadlineMs: request.timeoutSeconds * 1000 + graceMs,
        },
        (line) => {
          const event = parseWatchLine(line);
          if (!event) return;
          try {
            onEvent(event);
          } catch (err) {
            verdict = err;
            throw err;
          }
        },
      );
    } catch (err) {
      this.listener?.(verb, 'error');
      // The consumer's own error comes back as it threw it; only transport errors are wrapped.
      if (verdict !== undefined && err === verdict) throw err;
      throw wrapKubernetesError(err, verb, object);
    }
    this.listener?.(verb, String(outcome.status));
    if (outcome.status !== 200) {
      const statusBody = decodeStatusBody(outcome.text);
      throw new KubernetesApiError(
        verb,
        object,
        outcome.status,
        statusBody.reason,
        describeHttpFailure(outcome.status, statusBody),
      );
    }
  }

  private buildUrl(path: string, query: KubeRequest['query']): URL {
    const url = new URL(`${this.server}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async send(request: KubeRequest, url: URL): Promise<{ status: number; text: string }> {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const spec = await this.authenticate(request.method, url, body, request.contentType, request.accept);
    return sendHttpRequest(spec, this.exchangeOptions(request.verb, request.object, request.signal));
  }

  /** The request with the connection's authentication applied (headers, TLS agent). */
  private async authenticate(
    method: KubeRequest['method'],
    url: URL,
    body?: string,
    contentType?: string,
    accept = 'application/json',
  ): Promise<HttpRequestSpec> {
    const context = new RequestAuthentication(url);
    context.setHeaderParam('Accept', accept);
    if (body !== undefined) {
      context.setHeaderParam('Content-Type', contentType ?? 'application/json');
      context.setHeaderParam('Content-Length', String(Buffer.byteLength(body)));
    }
    await this.kubeConfig.applySecurityAuthentication(context);
    return {
      url,
      method,
      headers: context.headers,
      body,
      agent: context.agent,
      sharedAgent: context.sharedAgent,
    };
  }

  private exchangeOptions(verb: string, object: string, signal: AbortSignal | undefined) {
    return {
      signals: [signal, this.options.lifetime],
      timeouts: this.options.timeouts,
      serverRole: this.serverRole,
      server: this.serverName,
      verb,
      object,
    };
  }
}

/** Collects what a connection's authentication sets on one request: headers and the agent. */
class RequestAuthentication implements AuthRequest {
  readonly headers: Record<string, string> = {};
  agent: http.Agent | undefined;
  sharedAgent = false;

  constructor(private readonly url: URL) {}

  getUrl(): string {
    return this.url.toString();
  }

  setHeaderParam(key: string, value: string): void {
    this.headers[key] = value;
  }

  setAgent(agent: http.Agent, shared = false): void {
    this.agent = agent;
    this.sharedAgent = shared;
  }
}

function parseWatchLine(line: string): KubeWatchEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<KubeWatchEvent>;
    return typeof parsed.type === 'string' ? { type: parsed.type, object: parsed.object } : undefined;
  } catch {
    // A line that is not JSON is not an event; the stream goes on.
    return undefined;
  }
}
