import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, inject, it } from 'vitest';
import { AgentPool } from '../../../src/kube/agent-pool.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';
import { KubeRawClient } from '../../../src/kube/raw-client.js';
import { buildKubeConfig } from '../../../src/kube/kubeconfig.js';
import type { LeanKubeConfig } from '../../../src/kube/kube-connection.js';
import { whoAmI as askWhoAmI } from '../support/who-am-i.js';

interface SeedKubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  users: { user: { token: string } }[];
}

// The seed's admin kubeconfig (token auth, CA as a file): connections to it built the way the
// controller builds shoot connections, from credentials and a shared pool.
const seed = yaml.load(readFileSync(inject('seedKubeconfig'), 'utf8')) as SeedKubeconfig;
const server = seed.clusters[0]?.cluster.server ?? '';
const caData = readFileSync(seed.clusters[0]?.cluster['certificate-authority'] ?? '').toString('base64');
const token = seed.users[0]?.user.token ?? '';

/** A connection to the seed with `userToken`, its agent from `pool`. */
const connect = (pool: AgentPool, name: string, userToken: string, skipVerify = false) =>
  buildKubeConfig(
    name,
    skipVerify
      ? { server, insecureSkipTLSVerify: true, user: { token: userToken } }
      : { server, caData, user: { token: userToken } },
    pool,
  );

/** Who the API server says the connection authenticates as, or the HTTP status it refused with. */
async function whoAmI(connection: LeanKubeConfig): Promise<string | number | undefined> {
  try {
    return await askWhoAmI(connection);
  } catch (err) {
    if (err instanceof KubernetesApiError) return err.statusCode;
    throw err;
  }
}

describe('keep-alive connections against a real API server', () => {
  it('sends one connection’s requests over one socket: one TLS handshake, not one per request', async () => {
    const pool = new AgentPool();
    const connection = connect(pool, 'one', token);
    for (let n = 0; n < 5; n++) expect(await whoAmI(connection)).toBe('admin');
    expect(pool.connectionsOpened).toBe(1);
    expect(pool.openSockets).toBe(1);
    connection.close();
  });

  it('shares a socket between connections with the same TLS settings, each with its own credentials', async () => {
    const pool = new AgentPool();
    const admin = connect(pool, 'admin', token);
    const stranger = connect(pool, 'stranger', 'not-the-token');
    expect(await whoAmI(admin)).toBe('admin');
    expect(await whoAmI(stranger)).toBe(401);
    expect(await whoAmI(admin)).toBe('admin');
    expect(pool.connectionsOpened).toBe(1);
    // Other TLS settings (verification skipped) never share that socket.
    const insecure = connect(pool, 'insecure', token, true);
    expect(await whoAmI(insecure)).toBe('admin');
    expect(pool.connectionsOpened).toBe(2);
    expect(pool.size).toBe(2);
    for (const connection of [admin, stranger, insecure]) connection.close();
  });

  it('closes the sockets of an agent once the last connection using it is closed', async () => {
    const pool = new AgentPool();
    const first = connect(pool, 'first', token);
    const second = connect(pool, 'second', token);
    await Promise.all([whoAmI(first), whoAmI(second), whoAmI(first)]);
    expect(pool.openSockets).toBeGreaterThan(0);
    first.close();
    // Still held by the second connection.
    expect(pool.size).toBe(1);
    expect(await whoAmI(second)).toBe('admin');
    second.close();
    expect(pool.size).toBe(0);
    expect(pool.openSockets).toBe(0);
    // A closed connection used again still works, and holds no agent afterwards.
    expect(await whoAmI(second)).toBe('admin');
    expect(pool.size).toBe(0);
  });

  it('answers requests while more watches are open on the server than any socket cap would hold', async () => {
    // With --health-check-watch every shoot keeps three watches open; 500 shoots on one API
    // server hold 1500 sockets. A per-agent socket cap below that queued every other request.
    const pool = new AgentPool();
    const connection = connect(pool, 'watcher', token);
    const client = new KubeRawClient(connection);
    const watches = new AbortController();
    const opened: Promise<void>[] = [];
    for (let n = 0; n < 300; n++) {
      opened.push(
        client
          .watch(
            { path: '/api/v1/namespaces/default/configmaps', timeoutSeconds: 300, signal: watches.signal },
            () => undefined,
          )
          .catch(() => undefined),
      );
    }
    try {
      await expect.poll(() => pool.openSockets, { timeout: 60_000 }).toBeGreaterThanOrEqual(300);
      expect(await whoAmI(connection)).toBe('admin');
    } finally {
      watches.abort();
      await Promise.all(opened);
      connection.close();
    }
  });
});
