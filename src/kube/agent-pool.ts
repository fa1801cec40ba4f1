import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';

/** The TLS side of a connection: requests with equal settings may share sockets. */
export interface ConnectionSettings {
  /** `http:` only where TLS verification is explicitly skipped (client-node's rule). */
  readonly protocol: 'http:' | 'https:';
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
}

/** How many sockets an agent keeps, and for how long an idle one. */
export interface AgentPoolLimits {
  /**
   * Sockets in use per server at once. A request over it queues in the agent until a socket is
   * free, and a watch holds its socket for minutes: with `--health-check-watch` every shoot keeps
   * three, so 500 shoots on one API server hold 1500, and a cap of 256 stalled every other request
   * to that server (the health bench's checks stopped at 644 of 1000 shoots). Like client-go, which
   * bounds idle connections per host but not those in use, the controller's agents set no cap.
   */
  readonly maxSockets: number;
  /** Idle sockets kept per server for the next request. */
  readonly maxFreeSockets: number;
  /** An idle socket is closed after this; well below the API server's own idle timeout (90 s). */
  readonly idleTimeoutMs: number;
}

/** The limits of the controller's agents. */
export const defaultAgentPoolLimits: AgentPoolLimits = {
  maxSockets: Infinity,
  maxFreeSockets: 8,
  idleTimeoutMs: 30_000,
};

/** One holder's use of a pooled agent; `release` once the holder is done with it. */
export interface AgentLease {
  readonly agent: http.Agent;
  /** Which settings the agent was made for (see {@link AgentPool.keyOf}). */
  readonly key: string;
  release(): void;
}

interface PoolEntry {
  readonly agent: http.Agent;
  holders: number;
  retired: boolean;
}

/**
 * Keep-alive agents shared by every connection with the same TLS settings, as client-go's
 * transport cache shares one transport per TLS config: requests to a server reuse sockets (one
 * TLS handshake, not one per request), and shoots that reach the same API server with the same
 * CA share an agent whatever their tokens (authorization travels in a header per request).
 *
 * An agent lives while a holder (a connection) leases it. When the last lease is released, its
 * idle sockets close at once and each busy one when its exchange ends, so nothing of a deleted
 * Extension's shoot stays open.
 */
export class AgentPool {
  private readonly entries = new Map<string, PoolEntry>();
  private opened = 0;

  constructor(private readonly limits: AgentPoolLimits = defaultAgentPoolLimits) {}

  /** The pool key of `settings`: a digest of all of them (never the material itself). */
  keyOf(settings: ConnectionSettings): string {
    const hash = createHash('sha256');
    for (const part of [
      settings.protocol,
      settings.rejectUnauthorized ? 'verify' : 'insecure',
      settings.servername ?? '',
    ]) {
      hash.update(part).update('\0');
    }
    for (const material of [settings.ca, settings.cert, settings.key]) {
      hash
        .update(material ?? '')
        .update('\0')
        .update(material ? 'set' : 'unset')
        .update('\0');
    }
    return hash.digest('hex');
  }

  /** A lease on the agent for `settings`, made on first use. */
  acquire(settings: ConnectionSettings): AgentLease {
    const key = this.keyOf(settings);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.createEntry(settings);
      this.entries.set(key, entry);
    }
    entry.holders += 1;
    const held = entry;
    let released = false;
    return {
      agent: held.agent,
      key,
      release: () => {
        if (released) return;
        released = true;
        held.holders -= 1;
        if (held.holders === 0) this.retire(key, held);
      },
    };
  }

  /** Agents held (for tests and leak checks). */
  get size(): number {
    return this.entries.size;
  }

  /** Connections (TCP, with TLS the handshakes) opened since the pool was made. */
  get connectionsOpened(): number {
    return this.opened;
  }

  /** Sockets the pool's agents hold open, busy or idle (for tests and leak checks). */
  get openSockets(): number {
    let count = 0;
    for (const { agent } of this.entries.values()) {
      for (const sockets of [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)]) {
        count += sockets?.length ?? 0;
      }
    }
    return count;
  }

  /** Closes every agent and socket (shutdown); requests still in flight end with a socket error. */
  destroy(): void {
    for (const entry of this.entries.values()) {
      entry.retired = true;
      entry.agent.destroy();
    }
    this.entries.clear();
  }

  private createEntry(settings: ConnectionSettings): PoolEntry {
    const options: https.AgentOptions = {
      keepAlive: true,
      maxSockets: this.limits.maxSockets,
      maxFreeSockets: this.limits.maxFreeSockets,
      // The socket timeout: Node's agent closes an idle (free) socket when it fires; a busy one
      // only gets a 'timeout' event, which nothing acts on (the exchange has its own timers).
      timeout: this.limits.idleTimeoutMs,
      // Node verifies by default; only a skipped verification is stated.
      ...(settings.rejectUnauthorized ? {} : { rejectUnauthorized: false }),
      ...(settings.servername !== undefined ? { servername: settings.servername } : {}),
      ...(settings.ca ? { ca: settings.ca } : {}),
      ...(settings.cert ? { cert: settings.cert } : {}),
      ...(settings.key ? { key: settings.key } : {}),
      // One TLS context per agent, which tls.connect takes over the material above: without it,
      // every new connection parses the CA and key again.
      ...sharedSecureContext(settings),
    };
    const agent = settings.protocol === 'http:' ? new http.Agent(options) : new https.Agent(options);
    const entry: PoolEntry = { agent, holders: 0, retired: false };
    // Node's agent asks these two per socket: counting the connections it makes, and letting a
    // retired agent close each socket its last exchange frees instead of keeping it.
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = (connectOptions, callback) => {
      this.opened += 1;
      return createConnection(connectOptions, callback);
    };
    // Node's typings say void; the agent keeps the socket only when this returns true.
    const keepSocketAlive = agent.keepSocketAlive.bind(agent) as (socket: Duplex) => boolean;
    agent.keepSocketAlive = (socket): boolean => (entry.retired ? false : keepSocketAlive(socket));
    return entry;
  }

  private retire(key: string, entry: PoolEntry): void {
    entry.retired = true;
    if (this.entries.get(key) === entry) this.entries.delete(key);
    for (const sockets of Object.values(entry.agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }
}

/**
 * The TLS context of an https agent's connections, made once. Material that does not parse
 * gets none: each connection then fails on it as a request error, as without the pool.
 */
function sharedSecureContext(settings: ConnectionSettings): { secureContext?: SecureContext } {
  if (settings.protocol !== 'https:') return {};
  try {
    return {
      secureContext: createSecureContext({
        ...(settings.ca ? { ca: settings.ca } : {}),
        ...(settings.cert ? { cert: settings.cert } : {}),
        ...(settings.key ? { key: settings.key } : {}),
      }),
    };
  } catch {
    return {};
  }
}
