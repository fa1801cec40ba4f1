import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { create } from 'tar';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { assets, resolveAsset } from '../../harness/assets.js';
import { fluxReleases, type FluxReleasePin } from '../../harness/asset-versions.js';
import { assembleFluxBundle } from '../../harness/flux-bundle-assembly.js';
import {
  bundlesEnvVar,
  computeBundleDigest,
  currentBundleEnvVar,
  findFluxBundle,
  fluxBundleCachePaths,
  readBundleDir,
  resolveFluxBundle,
} from '../../harness/flux-bundles.js';

/** Every object of a bundle, keyed by file and apiVersion/kind/namespace/name. */
function objectsOf(files: Record<string, string>): Record<string, unknown> {
  const objects: Record<string, unknown> = {};
  for (const [file, text] of Object.entries(files)) {
    for (const doc of yaml.loadAll(text)) {
      if (doc === null || doc === undefined) continue;
      const { apiVersion, kind, metadata } = doc as {
        apiVersion?: string;
        kind?: string;
        metadata?: { name?: string; namespace?: string };
      };
      const key = `${file} ${apiVersion ?? ''}/${kind ?? ''}/${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`;
      expect(objects, `${key} twice`).not.toHaveProperty([key]);
      objects[key] = doc;
    }
  }
  return objects;
}

/** The served versions of a CRD named `name` in a bundle file. */
function servedVersions(text: string, name: string): string[] {
  const crd = yaml
    .loadAll(text)
    .find((d) => (d as { metadata?: { name?: string } } | null)?.metadata?.name === name) as
    { spec: { versions: { name: string; served: boolean }[] } } | undefined;
  return (crd?.spec.versions ?? []).filter((v) => v.served).map((v) => v.name);
}

const current = fluxReleases.current;
const kustomizeBinary = async () => (await resolveAsset(assets.kustomize, { lookOnly: true })).path;

describe('Flux release bundles assembled from Go modules', () => {
  let assembled: Record<string, string>;

  beforeAll(async () => {
    assembled = await assembleFluxBundle({ version: current.version, kustomize: await kustomizeBinary() });
  });

  it(`reproduces Flux ${current.version}'s release files: the digest pinned from the official bundle`, () => {
    expect(Object.keys(assembled).sort()).toEqual([
      'helm-controller.yaml',
      'image-automation-controller.yaml',
      'image-reflector-controller.yaml',
      'kustomize-controller.yaml',
      'notification-controller.yaml',
      'policies.yaml',
      'rbac.yaml',
      'source-controller.yaml',
      'source-watcher.yaml',
    ]);
    expect(computeBundleDigest(assembled)).toBe(current.contentSha256);
  });

  // The official bundle is at hand beside the checkout or as a verified download in the cache.
  const official = findFluxBundle(current).found;
  const isOfficial = official?.origin === 'shared' || official?.madeBy === 'download';
  it.runIf(isOfficial)(`is the official ${current.version} bundle, object for object`, async () => {
    const officialFiles = await readBundleDir(official?.dir ?? '');
    const objects = objectsOf(assembled);
    expect(Object.keys(objects).length).toBeGreaterThan(40);
    expect(objects).toEqual(objectsOf(officialFiles));
  });

  it(`${fluxReleases.v1beta2Only.version}: source-controller of its own release (OCIRepository v1beta2 only), the other components borrowed`, async () => {
    const cacheRoot = await mkdtemp(path.join(tmpdir(), 'flux-bundles-legacy-'));
    try {
      const bundle = await resolveFluxBundle(fluxReleases.v1beta2Only, { cacheRoot, offline: true });
      expect(bundle).toMatchObject({ origin: 'assembled', verified: false });
      const files = await readBundleDir(bundle.dir);
      expect(Object.keys(files).sort()).toEqual([
        'helm-controller.yaml',
        'kustomize-controller.yaml',
        'notification-controller.yaml',
        'policies.yaml',
        'rbac.yaml',
        'source-controller.yaml',
      ]);
      const source = files['source-controller.yaml'] ?? '';
      expect(servedVersions(source, 'ocirepositories.source.toolkit.fluxcd.io')).toEqual(['v1beta2']);
      expect(source).toContain('image: fluxcd/source-controller:v1.3.0');
      for (const borrowed of fluxReleases.v1beta2Only.borrowed.components) {
        expect(files[`${borrowed}.yaml`]).toBe(assembled[`${borrowed}.yaml`]);
      }
      // Cached: the next look finds it without assembling.
      expect(findFluxBundle(fluxReleases.v1beta2Only, { cacheRoot }).found).toMatchObject({
        origin: 'cache',
        madeBy: 'assembled',
      });
    } finally {
      await rm(cacheRoot, { recursive: true, force: true });
    }
  });
});

describe('Flux release bundle resolution order', () => {
  const files = { 'policies.yaml': 'kind: NetworkPolicy\n', 'source-controller.yaml': 'kind: Deployment\n' };
  const pin: FluxReleasePin = { version: current.version, contentSha256: computeBundleDigest(files) };
  let work: string;
  let server: Server;
  let served: Buffer;
  let requests: string[];
  let releasesUrl: string;
  const noKustomize = () => Promise.reject(new Error('no kustomize in this test'));

  async function writeBundle(dir: string, content: Record<string, string>): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(content)) await writeFile(path.join(dir, name), text);
  }

  async function tarball(content: Record<string, string>): Promise<Buffer> {
    const dir = await mkdtemp(path.join(work, 'tar-'));
    await writeBundle(dir, content);
    const file = path.join(dir, 'manifests.tar.gz');
    await create({ gzip: true, cwd: dir, file }, Object.keys(content));
    return readFile(file);
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === `/${current.version}/manifests.tar.gz`) response.end(served);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    releasesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'flux-bundles-order-'));
    requests = [];
    served = await tarball(files);
    vi.stubEnv(bundlesEnvVar, undefined);
    vi.stubEnv(currentBundleEnvVar, undefined);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(work, { recursive: true, force: true });
  });

  it('downloads the release asset, verifies it against the pinned digest and caches it', async () => {
    const cacheRoot = path.join(work, 'cache');
    const sources = { cacheRoot, sharedDir: undefined, releasesUrl, kustomize: noKustomize };
    expect(await resolveFluxBundle(pin, sources)).toMatchObject({ origin: 'download', verified: true });
    expect(await resolveFluxBundle(pin, sources)).toMatchObject({
      origin: 'cache',
      madeBy: 'download',
      verified: true,
    });
    expect(requests).toEqual([`/${current.version}/manifests.tar.gz`]);
    expect(await readBundleDir(fluxBundleCachePaths(current.version, cacheRoot).dir)).toEqual(files);
  });

  it('rejects a download whose files lack the pinned digest, caches nothing, and names every place tried', async () => {
    served = await tarball({ ...files, 'policies.yaml': 'kind: Changed\n' });
    const cacheRoot = path.join(work, 'cache');
    const error = await resolveFluxBundle(pin, {
      cacheRoot,
      sharedDir: undefined,
      releasesUrl,
      kustomize: noKustomize,
    }).catch((err: unknown) => err as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`not the pinned ${pin.contentSha256 ?? ''}`);
    expect((error as Error).message).toContain('not cached yet');
    expect((error as Error).message).toContain('assembly from Go modules: no kustomize in this test');
    expect(findFluxBundle(pin, { cacheRoot, sharedDir: undefined }).found).toBeUndefined();
  });

  it('does not download a release whose digest is not pinned', async () => {
    const error = await resolveFluxBundle(
      { version: current.version },
      { cacheRoot: path.join(work, 'cache'), sharedDir: undefined, releasesUrl, kustomize: noKustomize },
    ).catch((err: unknown) => err as Error);
    expect((error as Error).message).toContain('download: skipped (no digest pinned');
    expect(requests).toEqual([]);
  });

  it('takes the environment first, then the cache, then the shared test data', async () => {
    const cacheRoot = path.join(work, 'cache');
    const sharedDir = path.join(work, 'shared');
    await writeBundle(path.join(sharedDir, 'flux', 'manifests'), files);
    await resolveFluxBundle(pin, { cacheRoot, sharedDir: undefined, releasesUrl });
    const bundles = path.join(work, 'bundles');
    await writeBundle(path.join(bundles, current.version), files);

    vi.stubEnv(bundlesEnvVar, bundles);
    expect(findFluxBundle(pin, { cacheRoot, sharedDir }).found).toMatchObject({
      origin: 'env',
      dir: path.join(bundles, current.version),
      verified: true,
    });
    vi.stubEnv(bundlesEnvVar, undefined);
    expect(findFluxBundle(pin, { cacheRoot, sharedDir }).found).toMatchObject({ origin: 'cache' });
    await rm(fluxBundleCachePaths(current.version, cacheRoot).record);
    expect(findFluxBundle(pin, { cacheRoot, sharedDir }).found).toMatchObject({
      origin: 'shared',
      dir: path.join(sharedDir, 'flux', 'manifests'),
    });
  });

  it('never uses a cached or shared bundle whose files differ from what was recorded or pinned', async () => {
    const cacheRoot = path.join(work, 'cache');
    const sharedDir = path.join(work, 'shared');
    await writeBundle(path.join(sharedDir, 'flux', 'manifests'), { ...files, 'rbac.yaml': 'kind: Extra\n' });
    await resolveFluxBundle(pin, { cacheRoot, sharedDir: undefined, releasesUrl });
    await writeFile(
      path.join(fluxBundleCachePaths(current.version, cacheRoot).dir, 'policies.yaml'),
      'x: 1\n',
    );

    const lookup = findFluxBundle(pin, { cacheRoot, sharedDir });
    expect(lookup.found).toBeUndefined();
    expect(lookup.notes.join('\n')).toContain('changed since it was cached');
    expect(lookup.notes.join('\n')).toContain(
      `${path.join(sharedDir, 'flux', 'manifests')} does not have the pinned digest`,
    );
    // The next resolve replaces the damaged cache with a fresh, verified download.
    expect(await resolveFluxBundle(pin, { cacheRoot, sharedDir, releasesUrl })).toMatchObject({
      origin: 'download',
    });
    expect(findFluxBundle(pin, { cacheRoot, sharedDir }).found).toMatchObject({ origin: 'cache' });
  });
});
