import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/assets.js';

/** Runs `npm run testenv` as a user would and resolves once it printed READY. */
function startTestenv(kubeconfigOut: string) {
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'hack/testenv.ts',
      '--kubeconfig-out',
      kubeconfigOut,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^READY (.+)$/m.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      reject(new Error(`testenv exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, ready, exited };
}

describe('npm run testenv', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs two independent control planes in parallel and stops them on SIGTERM', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'testenv-test-'));
    const first = startTestenv(path.join(dir, 'a', 'kubeconfig'));
    const second = startTestenv(path.join(dir, 'b', 'kubeconfig'));
    const [firstPath, secondPath] = await Promise.all([first.ready, second.ready]);
    expect(firstPath).toBe(path.join(dir, 'a', 'kubeconfig'));

    const servers: string[] = [];
    for (const file of [firstPath, secondPath]) {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(file);
      servers.push(kubeConfig.getCurrentCluster()?.server ?? '');
      const crds = await kubeConfig.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
      const names = crds.items.map((crd) => crd.metadata?.name);
      expect(names).toContain('extensions.extensions.gardener.cloud');
      expect(names).toContain('clusters.extensions.gardener.cloud');
      expect(names).toContain('gitrepositories.source.toolkit.fluxcd.io');
      expect(names).toContain('kustomizations.kustomize.toolkit.fluxcd.io');
    }
    expect(servers[0]).not.toBe(servers[1]);

    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
    expect(existsSync(firstPath)).toBe(false);
  });
});
