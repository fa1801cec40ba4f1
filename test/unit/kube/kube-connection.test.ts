import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { LeanKubeConfig, needsClientNode, type AuthRequest } from '../../../src/kube/kube-connection.js';

/** What authentication set on one request. */
function captured(): AuthRequest & { headers: Record<string, string>; agent?: http.Agent } {
  const request = {
    headers: {} as Record<string, string>,
    agent: undefined as http.Agent | undefined,
    getUrl: () => 'https://seed.example:6443/api/v1/namespaces',
    setHeaderParam: (key: string, value: string) => {
      request.headers[key] = value;
    },
    setAgent: (agent: http.Agent) => {
      request.agent = agent;
    },
  };
  return request;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The agent's TLS material as text (each is one Buffer here). */
function tlsOf(agent: http.Agent | undefined): {
  ca: string;
  cert: string;
  key: string;
  options: https.AgentOptions;
} {
  const options = (agent as https.Agent & { options: https.AgentOptions }).options;
  const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : '');
  return { ca: text(options.ca), cert: text(options.cert), key: text(options.key), options };
}

function config(cluster: Record<string, unknown>, user: Record<string, unknown>): LeanKubeConfig {
  return new LeanKubeConfig({
    clusters: [{ name: 'c', server: 'https://seed.example:6443', skipTLSVerify: false, ...cluster }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
}

describe('LeanKubeConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lean-kubeconfig-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts the client certificate, key, CA and TLS server name on the agent', async () => {
    const request = captured();
    await config(
      { caData: b64('CA'), tlsServerName: 'api.internal' },
      { certData: b64('CERT'), keyData: b64('KEY') },
    ).applySecurityAuthentication(request);
    const { ca, cert, key, options } = tlsOf(request.agent);
    expect([ca, cert, key]).toEqual(['CA', 'CERT', 'KEY']);
    expect(options.servername).toBe('api.internal');
    expect(options.rejectUnauthorized).toBeUndefined();
    expect(request.headers).toEqual({});
  });

  it('reads CA, certificate and key from files', async () => {
    for (const [name, text] of [
      ['ca', 'CA-FILE'],
      ['cert', 'CERT-FILE'],
      ['key', 'KEY-FILE'],
    ] as const) {
      writeFileSync(path.join(dir, name), text);
    }
    const request = captured();
    await config(
      { caFile: path.join(dir, 'ca') },
      { certFile: path.join(dir, 'cert'), keyFile: path.join(dir, 'key') },
    ).applySecurityAuthentication(request);
    const { ca, cert, key } = tlsOf(request.agent);
    expect([ca, cert, key]).toEqual(['CA-FILE', 'CERT-FILE', 'KEY-FILE']);
  });

  it('sends a bearer token over basic auth, basic auth without one, and impersonation', async () => {
    const both = captured();
    await config({}, { token: 't', username: 'a', password: 'p' }).applySecurityAuthentication(both);
    expect(both.headers).toEqual({ Authorization: 'Bearer t' });
    const basic = captured();
    await config({}, { username: 'a', password: 'p', impersonateUser: 'bob' }).applySecurityAuthentication(
      basic,
    );
    expect(basic.headers).toEqual({ Authorization: `Basic ${b64('a:p')}`, 'Impersonate-User': 'bob' });
  });

  it('skips TLS verification only when told, and allows plain HTTP only then', async () => {
    const skip = captured();
    await config({ skipTLSVerify: true }, { token: 't' }).applySecurityAuthentication(skip);
    expect((skip.agent as https.Agent & { options: https.AgentOptions }).options.rejectUnauthorized).toBe(
      false,
    );
    await expect(
      config({ server: 'http://seed.example:8080' }, { token: 't' }).applySecurityAuthentication(captured()),
    ).rejects.toThrow('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  });

  it('re-reads a token file once a minute, so a rotated service-account token is picked up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'first');
    const kubeConfig = config({}, { authProvider: { name: 'tokenFile', config: { tokenFile } } });
    const bearer = async () => {
      const request = captured();
      await kubeConfig.applySecurityAuthentication(request);
      return request.headers.Authorization;
    };
    expect(await bearer()).toBe('Bearer first');
    writeFileSync(tokenFile, 'rotated');
    vi.advanceTimersByTime(30_000);
    expect(await bearer()).toBe('Bearer first');
    vi.advanceTimersByTime(31_000);
    expect(await bearer()).toBe('Bearer rotated');
  });

  it('leaves exec plugins, other auth providers and proxies to client-node', () => {
    const cluster = { name: 'c', server: 'https://x', skipTLSVerify: false };
    expect(needsClientNode(cluster, { name: 'u', token: 't' })).toBe(false);
    expect(needsClientNode(cluster, { name: 'u', authProvider: { config: { tokenFile: '/t' } } })).toBe(
      false,
    );
    expect(needsClientNode(cluster, { name: 'u', exec: { command: 'sh' } })).toBe(true);
    expect(needsClientNode(cluster, { name: 'u', authProvider: { name: 'oidc', config: {} } })).toBe(true);
    expect(needsClientNode({ ...cluster, proxyUrl: 'http://proxy:3128' }, { name: 'u', token: 't' })).toBe(
      true,
    );
  });
});
