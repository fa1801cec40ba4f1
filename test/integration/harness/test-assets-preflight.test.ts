import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkTestAssetInputs } from '../../../hack/test-assets-preflight.js';
import { repoRoot } from '../../harness/assets.js';

/** Runs `npm run test-assets` (without npm) with `env`; resolves with its exit code and output. */
function runPrepareTestAssets(env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsx, path.join(repoRoot, 'hack', 'prepare-test-assets.ts')],
      { cwd: repoRoot, env },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('npm run setup: inputs checked before any build', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'test-assets-preflight-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('fails before building anything, naming each missing input and how to provide it', async () => {
    const cache = path.join(work, 'cache');
    const { code, output } = await runPrepareTestAssets({
      // No go on PATH, an empty cache, no shared test data, no system packages.
      PATH: path.join(work, 'empty-bin'),
      HOME: work,
      SHOOT_FLUX_CACHE_DIR: cache,
      SHOOT_FLUX_TESTDATA: path.join(work, 'no-shared'),
      SHOOT_FLUX_DOCKER_REGISTRY: path.join(work, 'no-docker-registry'),
      SHOOT_FLUX_GIT_HTTP_BACKEND: path.join(work, 'no-git-http-backend'),
      SHOOT_FLUX_OFFLINE: 'true',
    });
    expect(code).toBe(1);
    expect(output).toContain('FAILED before building anything: 3 input(s) missing');
    expect(output).toMatch(/docker-registry .* is missing[\s\S]*fix: apt-get install docker-registry/);
    expect(output).toMatch(/git http-backend .* is missing[\s\S]*fix: apt-get install git/);
    expect(output).toMatch(/go is missing .*kube-apiserver v1\.35\.4.*the Flux v2\.9\.2 bundle/);
    expect(output).toContain('fix: install Go');
    expect(output).not.toContain('building from Go modules');
    expect(existsSync(path.join(cache, 'bin'))).toBe(false);
  });

  it('names a Flux release whose modules the Go module proxy does not serve', async () => {
    const { problems, plan } = await checkTestAssetInputs([], [{ version: 'v2.99.0' }], {
      systemPackages: false,
      offline: true,
    });
    expect(plan.bundles.map((p) => p.version)).toEqual(['v2.99.0']);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.what).toContain(
      'the Flux v2.99.0 bundle (assembled from Go modules): the Go module proxy does not serve github.com/fluxcd/flux2/v2@v2.99.0',
    );
    expect(problems[0]?.fix).toContain('SHOOT_FLUX_TEST_FLUX_BUNDLES');
  });
});
