import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../../harness/git-server.js';
import { fluxArtifactMediaTypes, pushFluxArtifact } from '../../harness/oci-push.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';

const execFileAsync = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

describe('Git smart-HTTP server on loopback', () => {
  let server: GitServer;
  const auth = { username: 'reader', password: 'pa55' };
  beforeAll(async () => {
    server = await startGitServer({ auth });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves created and updated repositories to git clients that present the credentials', async () => {
    const first = await server.createRepository('app', { 'a/one.yaml': 'one: 1\n' });
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    const second = await server.commitFiles('app', { 'b.yaml': 'two: 2\n' });
    expect(server.url('app')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/app\.git$/);

    const withAuth = server.url('app').replace('http://', `http://${auth.username}:${auth.password}@`);
    const { stdout } = await execFileAsync('git', ['ls-remote', withAuth], { env: gitEnv });
    expect(stdout).toContain(`${second}\trefs/heads/main`);
    expect(second).not.toBe(first);

    const clone = await mkdtemp(path.join(tmpdir(), 'git-clone-'));
    try {
      await execFileAsync('git', ['clone', '--quiet', withAuth, clone], { env: gitEnv });
      expect(await readFile(path.join(clone, 'a', 'one.yaml'), 'utf8')).toBe('one: 1\n');
      expect(await readFile(path.join(clone, 'b.yaml'), 'utf8')).toBe('two: 2\n');
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });

  it('gives the same commit for the same files, and refuses clients without credentials', async () => {
    const a = await server.createRepository('same-a', { 'x.yaml': 'x\n' });
    const b = await server.createRepository('same-b', { 'x.yaml': 'x\n' });
    expect(a).toBe(b);
    await expect(execFileAsync('git', ['ls-remote', server.url('same-a')], { env: gitEnv })).rejects.toThrow(
      /could not read Username|Authentication failed/,
    );
    expect(server.requests().at(-1)).toMatchObject({ path: '/same-a.git/info/refs', status: 401 });
  });
});

describe('OCI registry on loopback with a Flux artifact pushed from Node', () => {
  let registry: OciRegistry;
  const auth = { username: 'pusher', password: 'pa55' };
  beforeAll(async () => {
    registry = await startOciRegistry({ auth });
  });
  afterAll(async () => {
    await registry.stop();
  });

  const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;

  it('stores the manifest, config and layer in the shape flux push artifact writes', async () => {
    const pushed = await pushFluxArtifact({
      registry: registry.baseUrl,
      repository: 'flux/app',
      tag: 'v1',
      files: { 'deploy/cm.yaml': 'kind: ConfigMap\n' },
      source: 'http://example.invalid/app.git',
      revision: 'main@sha1:abc',
      created: '2025-01-01T00:00:00Z',
      auth,
    });
    expect(pushed).toMatchObject({ url: `oci://${registry.host}/flux/app`, revision: `v1@${pushed.digest}` });

    const response = await fetch(`${registry.baseUrl}/v2/flux/app/manifests/v1`, {
      headers: { Authorization: basic, Accept: fluxArtifactMediaTypes.manifest },
    });
    expect(response.headers.get('docker-content-digest')).toBe(pushed.digest);
    const manifest = (await response.json()) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string; digest: string }[];
      annotations: Record<string, string>;
    };
    expect(manifest.mediaType).toBe(fluxArtifactMediaTypes.manifest);
    expect(manifest.config.mediaType).toBe(fluxArtifactMediaTypes.config);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([fluxArtifactMediaTypes.content]);
    expect(manifest.annotations).toEqual({
      'org.opencontainers.image.created': '2025-01-01T00:00:00Z',
      'org.opencontainers.image.source': 'http://example.invalid/app.git',
      'org.opencontainers.image.revision': 'main@sha1:abc',
    });
    const layer = await fetch(`${registry.baseUrl}/v2/flux/app/blobs/${manifest.layers[0]?.digest ?? ''}`, {
      headers: { Authorization: basic },
    });
    const tar = gunzipSync(Buffer.from(await layer.arrayBuffer())).toString('latin1');
    expect(tar).toContain('deploy/cm.yaml');
    expect(tar).toContain('kind: ConfigMap');

    // Same files and timestamp, same digest: pushing again is a no-op for the registry.
    const again = await pushFluxArtifact({
      registry: registry.baseUrl,
      repository: 'flux/app',
      tag: 'v1',
      files: { 'deploy/cm.yaml': 'kind: ConfigMap\n' },
      source: 'http://example.invalid/app.git',
      revision: 'main@sha1:abc',
      created: '2025-01-01T00:00:00Z',
      auth,
    });
    expect(again.digest).toBe(pushed.digest);
  });

  it('refuses pushes with wrong or without credentials', async () => {
    const push = (password?: string) =>
      pushFluxArtifact({
        registry: registry.baseUrl,
        repository: 'flux/denied',
        tag: 'v1',
        files: { 'a.yaml': 'a\n' },
        ...(password ? { auth: { username: auth.username, password } } : {}),
      });
    await expect(push('wrong')).rejects.toThrow(/HTTP 401/);
    await expect(push()).rejects.toThrow(/demands credentials/);
  });
});
