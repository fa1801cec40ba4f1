import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../../src/kube/kubeconfig.js';

function kubeconfigFile(dir: string, name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, name);
  writeFileSync(file, yaml.dump({ apiVersion: 'v1', kind: 'Config', ...config }));
  return file;
}

const cluster = (name: string, server: string) => ({ name, cluster: { server } });
const user = (name: string, token: string) => ({ name, user: { token } });
const context = (name: string, clusterName: string, userName: string) => ({
  name,
  context: { cluster: clusterName, user: userName },
});

describe('loadKubeConfig from $KUBECONFIG', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-test-'));
  const first = kubeconfigFile(dir, 'first', {
    clusters: [cluster('seed', 'https://seed.example:443')],
    users: [user('admin', 'a')],
    contexts: [context('seed', 'seed', 'admin')],
  });
  const second = kubeconfigFile(dir, 'second', {
    'current-context': 'other',
    clusters: [cluster('seed', 'https://ignored.example:443'), cluster('other', 'https://other.example:443')],
    users: [user('admin', 'ignored'), user('viewer', 'v')],
    contexts: [context('other', 'other', 'viewer')],
  });

  it('merges a list of files as kubectl does: the first file that names a thing wins', () => {
    const { kubeConfig, source } = loadKubeConfig({
      kubeconfigEnv: `${first}:${path.join(dir, 'missing')}:${second}`,
      inClusterEnv: false,
    });
    expect(source).toBe('env');
    // The first file sets no current context, so the second's applies.
    expect(kubeConfig.currentContext).toBe('other');
    expect(kubeConfig.getCurrentCluster()?.server).toBe('https://other.example:443');
    expect(kubeConfig.clusters.find((c) => c.name === 'seed')?.server).toBe('https://seed.example:443');
    expect(kubeConfig.users.find((u) => u.name === 'admin')?.token).toBe('a');
  });

  it('keeps the first current context', () => {
    const withContext = kubeconfigFile(dir, 'with-context', {
      'current-context': 'seed',
      clusters: [cluster('seed', 'https://seed.example:443')],
      users: [user('admin', 'a')],
      contexts: [context('seed', 'seed', 'admin')],
    });
    const { kubeConfig } = loadKubeConfig({ kubeconfigEnv: `${withContext}:${second}`, inClusterEnv: false });
    expect(kubeConfig.currentContext).toBe('seed');
  });

  it('points the current cluster at --master', () => {
    const { kubeConfig } = loadKubeConfig({
      kubeconfigEnv: second,
      inClusterEnv: false,
      masterUrl: 'https://127.0.0.1:6443',
    });
    expect(kubeConfig.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kubeConfig.getCurrentUser()?.token).toBe('v');
  });
});
