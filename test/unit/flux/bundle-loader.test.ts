import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/log/redact-url.js';
import { FluxBundleError, FluxBundleLoader } from '../../../src/flux/bundle-loader.js';
import {
  decodeManifestsLocation,
  defaultFluxManifestsBase,
  parseManifestsBases,
} from '../../../src/flux/bundle-locations.js';
import { computeBundleDigest, parseManifestsChecksums } from '../../../src/flux/bundle-verification.js';
import { fluxReleasePin } from '../../harness/flux-bundles.js';
import { findFluxBundleDir } from '../../harness/testdata.js';

const version = 'v2.9.2';
const bundleDir = findFluxBundleDir();
const bundleFiles = readdirSync(bundleDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

let work: string;
let tarball: Buffer;
let tarballDigest: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'bundle-loader-'));
  const file = path.join(work, 'manifests.tar.gz');
  createTar({ gzip: true, sync: true, cwd: bundleDir, file, portable: true }, bundleFiles);
  tarball = readFileSync(file);
  tarballDigest = createHash('sha256').update(tarball).digest('hex');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function scratch(): string {
  return mkdtempSync(path.join(work, 'case-'));
}

/** A release server on 127.0.0.1: routes map a path to a response; every request is recorded. */
interface ReleaseServer {
  url: string;
  requests: string[];
  routes: Map<string, (res: ServerResponse) => void>;
}

const servers: Server[] = [];

async function startServer(): Promise<ReleaseServer> {
  const requests: string[] = [];
  const routes = new Map<string, (res: ServerResponse) => void>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (route) route(res);
    else res.writeHead(404).end('not found');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, routes };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => {
            resolve();
          });
        }),
    ),
  );
});

const serveTarball = (res: ServerResponse) => res.writeHead(200).end(tarball);
const tarballPath = `/${version}/manifests.tar.gz`;

function tarballRequests(server: ReleaseServer): number {
  return server.requests.filter((r) => r === tarballPath).length;
}

function loader(bases: string[], extra: Partial<ConstructorParameters<typeof FluxBundleLoader>[0]> = {}) {
  return new FluxBundleLoader({ bases, minRetryDelayMs: 1, ...extra });
}

describe('parseManifestsBases', () => {
  it.each([
    [[], [defaultFluxManifestsBase]],
    [[''], [defaultFluxManifestsBase]],
    [['/flux-manifests'], ['/flux-manifests']],
    [
      [
        '/flux-manifests, https://mirror.example.com/flux/',
        'https://github.com/fluxcd/flux2/releases/download',
      ],
      [
        '/flux-manifests',
        'https://mirror.example.com/flux',
        'https://github.com/fluxcd/flux2/releases/download',
      ],
    ],
    [['/a,/a', '/a'], ['/a']],
  ])('%j → %j', (values, expected) => {
    expect(parseManifestsBases(values)).toEqual(expected);
  });
});

describe('decodeManifestsLocation', () => {
  it.each([
    ['/flux-manifests', { kind: 'directory', path: '/flux-manifests' }],
    ['file:///flux-manifests', { kind: 'directory', path: '/flux-manifests' }],
    ['https://mirror.example.com/flux/', { kind: 'url', prefix: 'https://mirror.example.com/flux' }],
    ['HTTP://mirror', { kind: 'url', prefix: 'HTTP://mirror' }],
  ])('%s', (base, expected) => {
    expect(decodeManifestsLocation(base)).toEqual(expected);
  });
});

describe('redactUrl', () => {
  it('masks credentials', () => {
    expect(redactUrl('https://user:secret@mirror.example.com/flux')).toBe(
      'https://***@mirror.example.com/flux',
    );
    expect(redactUrl('https://mirror.example.com/flux')).toBe('https://mirror.example.com/flux');
  });
});

describe('FluxBundleLoader', () => {
  it('loads the unpacked files of DIR/<version>/', async () => {
    const dir = scratch();
    symlinkSync(bundleDir, path.join(dir, version));
    const bundle = await loader([dir]).load(version);
    expect(bundle.version).toBe(version);
    expect(Object.keys(bundle.files).sort()).toEqual(bundleFiles);
    expect(bundle.files['rbac.yaml']).toBe(readFileSync(path.join(bundleDir, 'rbac.yaml'), 'utf8'));
  });

  it('loads DIR/<version>/manifests.tar.gz and verifies the .sha256 beside it', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, version));
    writeFileSync(path.join(dir, version, 'manifests.tar.gz'), tarball);
    writeFileSync(path.join(dir, version, 'manifests.tar.gz.sha256'), `${tarballDigest}  manifests.tar.gz\n`);
    const bundle = await loader([dir]).load(version);
    expect(Object.keys(bundle.files).sort()).toEqual(bundleFiles);

    writeFileSync(path.join(dir, version, 'manifests.tar.gz.sha256'), '0'.repeat(64));
    await expect(loader([dir]).load(version)).rejects.toThrow(
      /checksum mismatch .*manifests\.tar\.gz: expected sha256 0{64}/,
    );
  });

  it('verifies a pinned checksum of an unpacked DIR/<version>/: the digest sha256sum computes', async () => {
    const dir = scratch();
    symlinkSync(bundleDir, path.join(dir, version));
    // The documented way to compute it, with standard tools.
    const digest = execFileSync('sh', ['-c', 'LC_ALL=C sha256sum *.yaml | sha256sum'], {
      cwd: bundleDir,
      encoding: 'utf8',
    }).split(' ')[0];
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const bundle = await loader([dir], { checksums: { [version]: digest ?? '' } }).load(version);
    expect(Object.keys(bundle.files).sort()).toEqual(bundleFiles);
    // the same definition the test harness pins its bundles with
    expect(digest).toBe(fluxReleasePin(version).contentSha256);
  });

  it('refuses an unpacked DIR/<version>/ whose files do not have the pinned checksum', async () => {
    const dir = scratch();
    symlinkSync(bundleDir, path.join(dir, version));
    const err = await loader([dir], { checksums: { [version]: 'b'.repeat(64) } })
      .load(version)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FluxBundleError);
    expect((err as Error).message).toContain(
      `checksum mismatch for ${path.join(dir, version)}: expected sha256 ${'b'.repeat(64)}`,
    );
    expect((err as Error).message).toContain('LC_ALL=C sha256sum *.yaml');
  });

  it('digests file bytes in byte order of the names, as sha256sum under LC_ALL=C lists them', () => {
    const line = (data: string, name: string) =>
      `${createHash('sha256').update(data).digest('hex')}  ${name}\n`;
    const expected = createHash('sha256')
      .update(line('b', 'B.yaml') + line('a', 'a.yaml'))
      .digest('hex');
    expect(computeBundleDigest({ 'a.yaml': 'a', 'B.yaml': Buffer.from('b') })).toBe(expected);
  });

  it('downloads <prefix>/<version>/manifests.tar.gz and keeps it in memory', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, serveTarball);
    const bundles = loader([server.url]);
    const [first, second] = await Promise.all([bundles.load(version), bundles.load(version)]);
    const third = await bundles.load(version);
    expect(Object.keys(first.files).sort()).toEqual(bundleFiles);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(tarballRequests(server)).toBe(1);
    expect(first.source).toBe(`${server.url}${tarballPath}`);
  });

  it('caches downloads on disk: another loader with the same cache makes no request', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, serveTarball);
    const cacheDir = scratch();
    await loader([server.url], { cacheDir }).load(version);
    const again = await loader([server.url], { cacheDir }).load(version);
    expect(Object.keys(again.files).sort()).toEqual(bundleFiles);
    expect(tarballRequests(server)).toBe(1);
  });

  it('verifies the disk cache on read and downloads again when it is corrupt', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, serveTarball);
    const cacheDir = scratch();
    await loader([server.url], { cacheDir }).load(version);
    writeFileSync(path.join(cacheDir, version, 'manifests.tar.gz'), Buffer.from('garbage'));
    await loader([server.url], { cacheDir }).load(version);
    expect(tarballRequests(server)).toBe(2);
    expect(readFileSync(path.join(cacheDir, version, 'manifests.tar.gz'))).toEqual(tarball);
  });

  it('keeps at most maxCachedVersions versions on disk', async () => {
    const server = await startServer();
    for (const v of ['v2.9.0', 'v2.9.1', 'v2.9.2']) server.routes.set(`/${v}/manifests.tar.gz`, serveTarball);
    const cacheDir = scratch();
    const bundles = loader([server.url], { cacheDir, maxCachedVersions: 2 });
    for (const v of ['v2.9.0', 'v2.9.1', 'v2.9.2']) await bundles.load(v);
    expect(readdirSync(cacheDir).sort()).toEqual(['v2.9.1', 'v2.9.2']);
  });

  it('fails on a configured checksum that does not match, naming the URL', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, serveTarball);
    const err = await loader([server.url], { checksums: { [version]: 'a'.repeat(64) } })
      .load(version)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FluxBundleError);
    expect((err as Error).message).toContain(`checksum mismatch for ${server.url}${tarballPath}`);
  });

  it('verifies a published <version>/manifests.tar.gz.sha256', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, serveTarball);
    server.routes.set(`${tarballPath}.sha256`, (res) => res.writeHead(200).end(`${tarballDigest}\n`));
    await expect(loader([server.url]).load(version)).resolves.toMatchObject({ version });
    server.routes.set(`${tarballPath}.sha256`, (res) => res.writeHead(200).end('b'.repeat(64)));
    await expect(loader([server.url]).load(version)).rejects.toThrow(/checksum mismatch/);
  });

  it('names URL and status of a failed download and does not retry a client error', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, (res) => res.writeHead(403).end());
    await expect(loader([server.url]).load(version)).rejects.toThrow(
      `GET ${server.url}${tarballPath}: HTTP 403 Forbidden`,
    );
    expect(tarballRequests(server)).toBe(1);
  });

  it('retries server errors with backoff', async () => {
    const server = await startServer();
    let calls = 0;
    server.routes.set(tarballPath, (res) => {
      calls += 1;
      if (calls < 3) res.writeHead(503).end();
      else serveTarball(res);
    });
    await expect(loader([server.url], { retries: 3 }).load(version)).resolves.toMatchObject({ version });
    expect(tarballRequests(server)).toBe(3);
  });

  it('gives up after the retries, naming the last status', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, (res) => res.writeHead(502).end());
    await expect(loader([server.url], { retries: 1 }).load(version)).rejects.toThrow('HTTP 502 Bad Gateway');
    expect(tarballRequests(server)).toBe(2);
  });

  it('times out a download that does not answer', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, () => undefined);
    await expect(loader([server.url], { retries: 0, timeoutMs: 100 }).load(version)).rejects.toThrow(
      `GET ${server.url}${tarballPath}:`,
    );
  });

  it('tries the locations in order and reports each one that failed', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, serveTarball);
    const emptyDir = scratch();
    const bundle = await loader([emptyDir, server.url]).load(version);
    expect(bundle.source).toBe(`${server.url}${tarballPath}`);

    const err = await loader([emptyDir, `${server.url}/nothing`])
      .load(version)
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain(
      `cannot load the Flux ${version} release bundle from any location`,
    );
    expect((err as Error).message).toContain(`${emptyDir}: no directory ${path.join(emptyDir, version)}`);
    expect((err as Error).message).toContain(`GET ${server.url}/nothing${tarballPath}: HTTP 404`);
  });

  it('loads again after a failure instead of caching it', async () => {
    const server = await startServer();
    const bundles = loader([server.url], { retries: 0 });
    await expect(bundles.load(version)).rejects.toThrow(FluxBundleError);
    server.routes.set(tarballPath, serveTarball);
    await expect(bundles.load(version)).resolves.toMatchObject({ version });
  });

  it.each(['latest', '2.9.2', '../v2.9.2', 'v2.9'])('rejects the version %j', async (bad) => {
    await expect(loader(['/nowhere']).load(bad)).rejects.toThrow(`invalid Flux version "${bad}"`);
  });

  it('stops waiting when the caller signal aborts', async () => {
    const server = await startServer();
    server.routes.set(tarballPath, () => undefined);
    const controller = new AbortController();
    const pending = loader([server.url], { retries: 0, timeoutMs: 5_000 }).load(version, controller.signal);
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('deadline');
  });
});

describe('parseManifestsChecksums', () => {
  const digest = 'A'.repeat(64);
  it('reads VERSION=SHA256 values, repeated or comma-separated', () => {
    expect(parseManifestsChecksums([`v2.9.2=${digest}, v2.8.0=${'b'.repeat(64)}`, ''])).toEqual({
      'v2.9.2': 'a'.repeat(64),
      'v2.8.0': 'b'.repeat(64),
    });
  });

  it.each(['v2.9.2', `latest=${digest}`, 'v2.9.2=abc'])('rejects %j', (value) => {
    expect(() => parseManifestsChecksums([value])).toThrow(`invalid checksum "${value}"`);
  });
});

describe('FluxBundleLoader limits', () => {
  it('refuses an unpacked directory larger than the bundle limit before reading it', async () => {
    const dir = scratch();
    symlinkSync(bundleDir, path.join(dir, version));
    await expect(loader([dir], { maxBundleBytes: 10_000 }).load(version)).rejects.toThrow(
      `${path.join(dir, version)} holds more than 10000 bytes`,
    );
  });
});
