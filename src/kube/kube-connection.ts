import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { AgentPool, type AgentLease, type ConnectionSettings } from './agent-pool.js';
// client-node's kubeconfig entry parsers live in a module of their own that imports only node:fs;
// its `KubeConfig` (config.js) pulls in the whole generated API index (~800 model files, tens of
// MiB of heap), which the controller, talking raw JSON, never needs on its start path.
import type { Cluster, Context, User } from '@kubernetes/client-node/dist/config_types.js';

export type { Cluster, Context, User };

/** One request being authenticated: its URL, and where headers and the TLS agent go. */
export interface AuthRequest {
  getUrl(): string;
  setHeaderParam(key: string, value: string): void;
  /**
   * `shared`: the agent is pooled and outlives the request (a keep-alive agent of the
   * connection); otherwise it is the request's own and is destroyed once the exchange ended.
   */
  setAgent(agent: http.Agent | https.Agent, shared?: boolean): void;
}

/**
 * What a request to one API server needs: where the server is and how to authenticate a request.
 * client-node's KubeConfig has this shape, so tests and typed clients can pass one where the
 * controller expects a connection.
 */
export interface KubeConnection {
  getCurrentCluster(): Cluster | null;
  applySecurityAuthentication(request: AuthRequest): Promise<void>;
}

/** The clusters, users and contexts of a kubeconfig, as client-node's parsers return them. */
export interface KubeConfigEntries {
  readonly clusters: readonly Cluster[];
  readonly users: readonly User[];
  readonly contexts: readonly Context[];
  readonly currentContext: string;
}

/** How long a token read from a file is used before it is read again (client-go: one minute). */
const tokenFileRefreshMs = 60_000;

/**
 * A kubeconfig that authenticates requests itself for the common cases: bearer token, token file
 * (re-read every minute, for rotated service-account tokens), client certificate and key, CA,
 * insecure-skip-tls-verify, tls-server-name, basic auth and impersonation, with the semantics of
 * client-node's KubeConfig. A user with an exec plugin or another auth provider, or a cluster
 * with a proxy URL, is handed to client-node's KubeConfig, loaded only then, so those keep working.
 */
export class LeanKubeConfig implements KubeConnection, KubeConfigEntries {
  readonly clusters: readonly Cluster[];
  readonly users: readonly User[];
  readonly contexts: readonly Context[];
  readonly currentContext: string;
  private fileToken: { value: string; readAt: number } | undefined;
  private fallback: Promise<KubeConfig> | undefined;
  private lease: AgentLease | undefined;
  private closed = false;

  /**
   * `agents`: where the connection's keep-alive agent comes from; the process shares one pool
   * so that connections with equal TLS settings share sockets. Default: a pool of its own.
   */
  constructor(
    entries: KubeConfigEntries,
    private readonly agents: AgentPool = new AgentPool(),
  ) {
    this.clusters = entries.clusters;
    this.users = entries.users;
    this.contexts = entries.contexts;
    this.currentContext = entries.currentContext;
  }

  /** The context named by `currentContext`, or null. */
  getCurrentContextObject(): Context | null {
    return this.contexts.find((context) => context.name === this.currentContext) ?? null;
  }

  /** The current context's cluster, or null. */
  getCurrentCluster(): Cluster | null {
    const context = this.getCurrentContextObject();
    return this.clusters.find((cluster) => cluster.name === context?.cluster) ?? null;
  }

  /** The current context's user, or null. */
  getCurrentUser(): User | null {
    const context = this.getCurrentContextObject();
    return this.users.find((user) => user.name === context?.user) ?? null;
  }

  /** Sets the request's Authorization (and impersonation) headers and its TLS agent. */
  async applySecurityAuthentication(request: AuthRequest): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (needsClientNode(cluster, user)) {
      await (
        await this.clientNode()
      ).applySecurityAuthentication(
        // client-node only calls setHeaderParam and setAgent on the context it is given.
        request as Parameters<KubeConfig['applySecurityAuthentication']>[0],
      );
      return;
    }
    // As client-node: without a user, no TLS material (not even the CA) is applied.
    const settings: ConnectionSettings = {
      protocol: protocolOf(cluster),
      rejectUnauthorized: !cluster?.skipTLSVerify,
      ...(cluster?.tlsServerName ? { servername: cluster.tlsServerName } : {}),
      ...(user ? tlsMaterialOf(cluster, user) : {}),
    };
    if (user) {
      if (user.impersonateUser) request.setHeaderParam('Impersonate-User', user.impersonateUser);
      const token = user.token ?? this.tokenFromFile(user);
      if (token) request.setHeaderParam('Authorization', `Bearer ${token}`);
      else if (user.username) {
        const basic = Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64');
        request.setHeaderParam('Authorization', `Basic ${basic}`);
      }
    }
    request.setAgent(this.agentFor(settings), true);
  }

  /**
   * Releases the connection's agent: its idle sockets close now, busy ones when their exchange
   * ends (the Extension is gone, or a rotated access secret replaced this connection). A request
   * made after it (a late health check) still works, on a socket closed when it ends.
   */
  close(): void {
    this.closed = true;
    this.lease?.release();
    this.lease = undefined;
  }

  /**
   * The pooled agent for the current TLS settings. Files (CA, certificate, key) are read per
   * request as before, so a rotated file moves the connection to a new agent and releases the old.
   */
  private agentFor(settings: ConnectionSettings): http.Agent {
    if (this.closed) {
      // Held only for this request: the agent (if no other connection holds it) keeps no socket.
      const lease = this.agents.acquire(settings);
      lease.release();
      return lease.agent;
    }
    if (this.lease?.key !== this.agents.keyOf(settings)) {
      this.lease?.release();
      this.lease = this.agents.acquire(settings);
    }
    return this.lease.agent;
  }

  /** The token of a `tokenFile` auth provider (in-cluster), read again once a minute. */
  private tokenFromFile(user: User): string | undefined {
    const file = tokenFileOf(user);
    if (file === undefined) return undefined;
    const now = Date.now();
    if (!this.fileToken || now - this.fileToken.readAt > tokenFileRefreshMs) {
      this.fileToken = { value: readFileSync(file, 'utf8'), readAt: now };
    }
    return this.fileToken.value;
  }

  private clientNode(): Promise<KubeConfig> {
    this.fallback ??= import('@kubernetes/client-node').then(({ KubeConfig: ClientNodeKubeConfig }) => {
      const kubeConfig = new ClientNodeKubeConfig();
      kubeConfig.loadFromOptions({
        clusters: [...this.clusters],
        users: [...this.users],
        contexts: [...this.contexts],
        currentContext: this.currentContext,
      });
      return kubeConfig;
    });
    return this.fallback;
  }
}

function tokenFileOf(user: User): string | undefined {
  const provider = user.authProvider as { name?: unknown; config?: { tokenFile?: unknown } } | undefined;
  const file = provider?.config?.tokenFile;
  return typeof file === 'string' && file !== '' ? file : undefined;
}

/** Whether only client-node can authenticate this user or reach this cluster. */
export function needsClientNode(cluster: Cluster | null, user: User | null): boolean {
  if (cluster?.proxyUrl) return true;
  if (!user) return false;
  if (user.exec) return true;
  return Boolean(user.authProvider) && tokenFileOf(user) === undefined;
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/** The TLS material of a user's requests: the cluster's CA and the user's certificate and key. */
function tlsMaterialOf(cluster: Cluster | null, user: User): Pick<ConnectionSettings, 'ca' | 'cert' | 'key'> {
  const ca = fileOrData(cluster?.caFile, cluster?.caData);
  const cert = fileOrData(user.certFile, user.certData);
  const key = fileOrData(user.keyFile, user.keyData);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

function protocolOf(cluster: Cluster | null): ConnectionSettings['protocol'] {
  if (cluster?.server.startsWith('http:')) {
    // client-node's rule: plain HTTP only when TLS verification is explicitly skipped.
    if (!cluster.skipTLSVerify) {
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    }
    return 'http:';
  }
  return 'https:';
}
