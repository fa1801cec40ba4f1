import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { KubernetesApiError } from '../../../src/kube/errors.js';
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js';
import { whoAmI } from '../support/who-am-i.js';

interface SeedKubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority': string } }[];
  users: { name: string; user: { token: string } }[];
}

// The seed's admin kubeconfig (token auth, CA as a file), taken apart to write other shapes of it.
const seedFile = inject('seedKubeconfig');
const seed = yaml.load(readFileSync(seedFile, 'utf8')) as SeedKubeconfig;
const server = seed.clusters[0]?.cluster.server ?? '';
const caFile = seed.clusters[0]?.cluster['certificate-authority'] ?? '';
const token = seed.users[0]?.user.token ?? '';
const dir = mkdtempSync(path.join(tmpdir(), 'kube-connection-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a kubeconfig with one cluster (the seed's server) and the given user into `dir`. */
function writeKubeconfig(
  name: string,
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'seed', cluster: { server, ...cluster } }],
      users: [{ name, user }],
      contexts: [{ name: 'seed', context: { cluster: 'seed', user: name } }],
      'current-context': 'seed',
    }),
  );
  return file;
}

describe('the controller’s own kubeconfig authentication against a real API server', () => {
  it('authenticates with a bearer token and a CA file', async () => {
    const file = writeKubeconfig('token', { 'certificate-authority': caFile }, { token });
    const { kubeConfig, source } = loadKubeConfig({ kubeconfigFlag: file, inClusterEnv: false });
    expect(source).toBe('flag');
    expect(await whoAmI(kubeConfig)).toBe('admin');
  });

  it('reads a token file and inlined CA data, and resolves a relative CA path against the file', async () => {
    writeFileSync(path.join(dir, 'admin.token'), token);
    copyFileSync(caFile, path.join(dir, 'ca.crt'));
    const withTokenFile = writeKubeconfig(
      'token-file',
      { 'certificate-authority-data': readFileSync(caFile).toString('base64') },
      { 'token-file': path.join(dir, 'admin.token') },
    );
    const relativeCa = writeKubeconfig('relative-ca', { 'certificate-authority': 'ca.crt' }, { token });
    for (const file of [withTokenFile, relativeCa]) {
      const { kubeConfig } = loadKubeConfig({ kubeconfigEnv: file, inClusterEnv: false });
      expect(await whoAmI(kubeConfig)).toBe('admin');
    }
  });

  it('runs in-cluster from a service-account directory and the service host and port', async () => {
    const serviceAccountDir = path.join(dir, 'serviceaccount');
    const url = new URL(server);
    mkdirSync(serviceAccountDir);
    writeFileSync(path.join(serviceAccountDir, 'token'), token);
    copyFileSync(caFile, path.join(serviceAccountDir, 'ca.crt'));
    const { kubeConfig, source } = loadKubeConfig({
      inClusterEnv: true,
      serviceAccountDir,
      serviceHost: url.hostname,
      servicePort: url.port,
    });
    expect(source).toBe('in-cluster');
    expect(kubeConfig.getCurrentCluster()?.server).toBe(server);
    expect(await whoAmI(kubeConfig)).toBe('admin');
  });

  it('hands an exec plugin to client-node, loaded only then', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token },
    });
    const file = writeKubeconfig(
      'exec',
      { 'certificate-authority': caFile },
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: 'sh',
          args: ['-c', `printf '%s' '${credential}'`],
          interactiveMode: 'Never',
        },
      },
    );
    const { kubeConfig } = loadKubeConfig({ kubeconfigFlag: file, inClusterEnv: false });
    expect(await whoAmI(kubeConfig)).toBe('admin');
  });

  it('fails with the server’s 401 for a wrong token', async () => {
    const file = writeKubeconfig('wrong', { 'certificate-authority': caFile }, { token: 'not-the-token' });
    const { kubeConfig } = loadKubeConfig({ kubeconfigFlag: file, inClusterEnv: false });
    const failure = await whoAmI(kubeConfig).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(KubernetesApiError);
    expect(failure).toMatchObject({ statusCode: 401 });
  });

  it('rejects a server whose certificate the CA does not sign unless verification is skipped', async () => {
    const otherCa = writeKubeconfig('no-ca', {}, { token });
    const { kubeConfig } = loadKubeConfig({ kubeconfigFlag: otherCa, inClusterEnv: false });
    await expect(whoAmI(kubeConfig)).rejects.toThrow(/server certificate not trusted|request failed/);
    const skip = writeKubeconfig('skip-verify', { 'insecure-skip-tls-verify': true }, { token });
    expect(await whoAmI(loadKubeConfig({ kubeconfigFlag: skip, inClusterEnv: false }).kubeConfig)).toBe(
      'admin',
    );
  });
});
