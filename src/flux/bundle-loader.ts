// The one module of src/flux that does I/O: it finds a Flux release bundle in local directories or
// downloads it from a release URL or mirror, and caches it on disk and in memory: the Go
// reference downloads the bundle on every install, with no cache, mirror or checksum.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { ReadEntry } from 'tar';
import { discardLogger, type Logger } from '../log/logger.js';
import { computeBundleDigest } from './bundle-digest.js';
import type { FluxReleaseBundle } from './install/bundle.js';
import { isFluxReleaseVersion } from './install/options.js';
import { redactUrl } from '../log/redact-url.js';

/** Where Flux publishes release bundles: `<base>/<version>/manifests.tar.gz` (what the reference downloads). */
export const defaultFluxManifestsBase = 'https://github.com/fluxcd/flux2/releases/download';

/** Name of the release asset holding the bundle. */
export const manifestsTarballName = 'manifests.tar.gz';

/**
 * The locations of `--flux-manifests-base` (repeatable, each comma-separated) in order, trimmed,
 * without empties or repeats; the GitHub releases URL when none is given.
 */
export function parseManifestsBases(values: readonly string[]): string[] {
  const bases = values.flatMap((value) => value.split(',')).map((base) => base.trim().replace(/\/+$/, ''));
  const unique = [...new Set(bases.filter((base) => base !== ''))];
  return unique.length > 0 ? unique : [defaultFluxManifestsBase];
}

/**
 * Checksums from `--flux-manifests-checksum VERSION=SHA256` values (repeatable, comma-separated):
 * version → lowercase hex digest. Throws naming the value that is not of that form.
 */
export function parseManifestsChecksums(values: readonly string[]): Record<string, string> {
  const checksums: Record<string, string> = {};
  for (const value of values.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (value === '') continue;
    const [version = '', digest = ''] = value.split('=', 2).map((part) => part.trim());
    if (!isFluxReleaseVersion(version) || !sha256Pattern.test(digest.toLowerCase())) {
      throw new Error(`invalid checksum "${value}": expected VERSION=SHA256, e.g. v2.9.2=<64 hex digits>`);
    }
    checksums[version] = digest.toLowerCase();
  }
  return checksums;
}

/** A bundle location: a local directory holding `<version>/`, or a URL prefix. */
export type ManifestsLocation = { kind: 'directory'; path: string } | { kind: 'url'; prefix: string };

/** Decodes one `--flux-manifests-base` value: `http(s)://` is a URL prefix, `file://` or a path a directory. */
export function decodeManifestsLocation(base: string): ManifestsLocation {
  if (/^https?:\/\//i.test(base)) return { kind: 'url', prefix: base.replace(/\/+$/, '') };
  if (/^file:\/\//i.test(base)) return { kind: 'directory', path: new URL(base).pathname };
  return { kind: 'directory', path: base };
}

/** A URL for messages and logs: credentials in it are masked (the project's one redaction rule). */
export { redactUrl };

/** Why no bundle could be loaded: names the version and every location tried. */
export class FluxBundleError extends Error {
  override readonly name = 'FluxBundleError';
}

/** A failed HTTP download, naming the URL (credentials masked) and the status. */
export class BundleDownloadError extends Error {
  override readonly name = 'BundleDownloadError';
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How a FluxBundleLoader finds, verifies and caches bundles. */
export interface FluxBundleLoaderOptions {
  /** Locations tried in order (see parseManifestsBases); default: the GitHub releases URL. */
  bases?: readonly string[];
  /** Directory caching downloaded tarballs per version; none keeps them in memory only. */
  cacheDir?: string;
  /** Versions kept on disk and in memory; the least recently used go first. Default 8. */
  maxCachedVersions?: number;
  /** Expected sha256 (hex) of `manifests.tar.gz` per version; wins over a `.sha256` file. */
  checksums?: Readonly<Record<string, string>>;
  /** Timeout of one download attempt. Default 60 s (as flux's own). */
  timeoutMs?: number;
  /** Retries of a failed download (network errors, 5xx, 408, 429). Default 3. */
  retries?: number;
  /** First retry delay, doubled per retry. Default 1 s. */
  minRetryDelayMs?: number;
  /** Largest tarball accepted. Default 64 MiB (v2.9.2's is about 100 KiB). */
  maxBundleBytes?: number;
  logger?: Logger;
}

const sha256Pattern = /^[0-9a-f]{64}$/;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The digest in a `.sha256` file: `<hex>` or sha256sum's `<hex>  <name>`. */
function parseChecksumFile(text: string, source: string): string {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!sha256Pattern.test(digest)) throw new Error(`${source} holds no sha256 digest`);
  return digest;
}

/** The `.yaml` files at the top of a (gzipped) tarball; subdirectories and other entries are ignored. */
export async function readTarballFiles(tarball: Buffer, maxBytes: number): Promise<Record<string, string>> {
  // tar is loaded with the first tarball: a controller that has not bootstrapped yet does not hold it.
  const { Parser } = await import('tar');
  const files: Record<string, string> = {};
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const relative = entry.path.replace(/^(\.\/)+/, '');
        if (entry.type !== 'File' || relative.includes('/') || !relative.endsWith('.yaml')) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) parser.abort(new Error(`unpacks to more than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        entry.on('end', () => {
          files[relative] = Buffer.concat(chunks).toString('utf8');
        });
      },
    });
    parser.on('error', reject);
    parser.on('abort', reject);
    parser.on('end', () => {
      resolve();
    });
    parser.end(tarball);
  });
  return files;
}

/** Resolves with the promise, or rejects as soon as the signal aborts (the promise keeps running). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Loads Flux release bundles from the configured locations in order: local directories
 * (`DIR/<version>/` unpacked or with `manifests.tar.gz`) and URL prefixes
 * (`<prefix>/<version>/manifests.tar.gz`, with retries and a timeout). Downloads are verified
 * against a configured or published sha256 and cached on disk (verified again on read) and in
 * memory; concurrent loads of one version share one promise, so N shoots cost one download.
 */
export class FluxBundleLoader {
  private readonly memory = new Map<string, Promise<FluxReleaseBundle>>();
  private readonly bases: readonly string[];
  private readonly maxCached: number;
  private readonly logger: Logger;

  constructor(private readonly options: FluxBundleLoaderOptions = {}) {
    this.bases = parseManifestsBases(options.bases ?? []);
    this.maxCached = Math.max(1, options.maxCachedVersions ?? 8);
    this.logger = (options.logger ?? discardLogger).named('flux-bundle-loader');
  }

  /** The bundle of a Flux version; `signal` stops waiting for it (a shared download goes on). */
  load(version: string, signal?: AbortSignal): Promise<FluxReleaseBundle> {
    if (!isFluxReleaseVersion(version)) {
      return Promise.reject(
        new FluxBundleError(
          `invalid Flux version "${version}": must be a Flux release of the form vMAJOR.MINOR.PATCH (at least v2.0.0)`,
        ),
      );
    }
    let pending = this.memory.get(version);
    if (pending) {
      // Most recently used last, so eviction drops the oldest.
      this.memory.delete(version);
    } else {
      pending = this.loadUncached(version);
      pending.catch(() => {
        if (this.memory.get(version) === pending) this.memory.delete(version);
      });
    }
    this.memory.set(version, pending);
    for (const oldest of this.memory.keys()) {
      if (this.memory.size <= this.maxCached) break;
      this.memory.delete(oldest);
    }
    return raceSignal(pending, signal);
  }

  private async loadUncached(version: string): Promise<FluxReleaseBundle> {
    const failures: string[] = [];
    let cacheChecked = false;
    for (const base of this.bases) {
      const location = decodeManifestsLocation(base);
      try {
        if (location.kind === 'directory') return await this.loadFromDirectory(location.path, version);
        if (!cacheChecked) {
          cacheChecked = true;
          const cached = await this.readCache(version);
          if (cached) return cached;
        }
        return await this.download(location.prefix, version);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        failures.push(`${location.kind === 'url' ? redactUrl(base) : base}: ${message}`);
        this.logger.debug('Flux release bundle not loaded from location', {
          version,
          location: redactUrl(base),
          error: message,
        });
      }
    }
    throw new FluxBundleError(
      `cannot load the Flux ${version} release bundle from any location:\n  ${failures.join('\n  ')}`,
    );
  }

  private expectedChecksum(version: string): string | undefined {
    const configured = this.options.checksums?.[version]?.trim().toLowerCase();
    if (configured !== undefined && !sha256Pattern.test(configured)) {
      throw new Error(`the configured checksum of ${version} is not a sha256 hex digest`);
    }
    return configured;
  }

  private verify(tarball: Buffer, expected: string | undefined, source: string): void {
    if (expected === undefined) return;
    const actual = sha256(tarball);
    if (actual !== expected) {
      throw new Error(`checksum mismatch for ${source}: expected sha256 ${expected}, got ${actual}`);
    }
  }

  /**
   * A pinned checksum of unpacked files is their digest (computeBundleDigest): the sha256 of what
   * `LC_ALL=C sha256sum *.yaml` prints in the directory. A pin is never skipped.
   */
  private verifyUnpacked(files: Record<string, Buffer>, expected: string | undefined, dir: string): void {
    if (expected === undefined) return;
    const actual = computeBundleDigest(files);
    if (actual !== expected) {
      throw new Error(
        `checksum mismatch for ${dir}: expected sha256 ${expected}, got ${actual} ` +
          '(unpacked files: the sha256 of what `LC_ALL=C sha256sum *.yaml` prints in the directory)',
      );
    }
  }

  private toBundle(version: string, files: Record<string, string>, source: string): FluxReleaseBundle {
    if (Object.keys(files).length === 0) throw new Error(`no manifests (*.yaml) in ${source}`);
    this.logger.info('Loaded Flux release bundle', { version, source: redactUrl(source) });
    return { version, files, source: redactUrl(source) };
  }

  private async loadFromDirectory(dir: string, version: string): Promise<FluxReleaseBundle> {
    const versionDir = path.join(dir, version);
    if (!existsSync(versionDir)) throw new Error(`no directory ${versionDir}`);
    const tarballPath = path.join(versionDir, manifestsTarballName);
    if (existsSync(tarballPath)) {
      const tarball = await readFile(tarballPath);
      const checksumPath = `${tarballPath}.sha256`;
      const expected =
        this.expectedChecksum(version) ??
        (existsSync(checksumPath)
          ? parseChecksumFile(await readFile(checksumPath, 'utf8'), checksumPath)
          : undefined);
      this.verify(tarball, expected, tarballPath);
      return this.toBundle(version, await readTarballFiles(tarball, this.maxBytes()), tarballPath);
    }
    const names = (await readdir(versionDir)).filter((f) => f.endsWith('.yaml')).sort();
    const contents: Record<string, Buffer> = {};
    let total = 0;
    for (const name of names) {
      // The same bound as an unpacked tarball, checked before reading, so a huge file costs nothing.
      total += (await stat(path.join(versionDir, name))).size;
      if (total > this.maxBytes()) throw new Error(`${versionDir} holds more than ${this.maxBytes()} bytes`);
      contents[name] = await readFile(path.join(versionDir, name));
    }
    this.verifyUnpacked(contents, this.expectedChecksum(version), versionDir);
    const files = Object.fromEntries(
      Object.entries(contents).map(([name, data]) => [name, data.toString('utf8')]),
    );
    return this.toBundle(version, files, versionDir);
  }

  private maxBytes(): number {
    return this.options.maxBundleBytes ?? 64 * 1024 * 1024;
  }

  /** GETs a URL with a timeout per attempt and retries with backoff; `undefined` for 404 when allowed. */
  private async fetchBytes(url: string, allowMissing: boolean): Promise<Buffer | undefined> {
    const shown = redactUrl(url);
    return pRetry(
      async () => {
        let response: Response;
        try {
          response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000) });
        } catch (err) {
          const reason =
            err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : '';
          throw new BundleDownloadError(shown, undefined, `GET ${shown}: ${reason}`, { cause: err });
        }
        if (allowMissing && (response.status === 404 || response.status === 410)) {
          await response.body?.cancel();
          return undefined;
        }
        if (!response.ok) {
          await response.body?.cancel();
          const error = new BundleDownloadError(
            shown,
            response.status,
            `GET ${shown}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
          );
          const transient = response.status >= 500 || response.status === 408 || response.status === 429;
          if (!transient) throw new AbortError(error);
          throw error;
        }
        const length = Number(response.headers.get('content-length') ?? '0');
        if (length > this.maxBytes()) {
          await response.body?.cancel();
          throw new AbortError(
            new BundleDownloadError(shown, response.status, `GET ${shown}: ${length} bytes is too large`),
          );
        }
        const body = Buffer.from(await response.arrayBuffer());
        if (body.length > this.maxBytes()) {
          throw new AbortError(
            new BundleDownloadError(shown, response.status, `GET ${shown}: response too large`),
          );
        }
        return body;
      },
      {
        retries: this.options.retries ?? 3,
        minTimeout: this.options.minRetryDelayMs ?? 1_000,
        factor: 2,
        randomize: true,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          this.logger.warn('Download of Flux release bundle failed', {
            url: shown,
            attempt: attemptNumber,
            retriesLeft,
            error: error.message,
          });
        },
      },
    );
  }

  private async download(prefix: string, version: string): Promise<FluxReleaseBundle> {
    const url = `${prefix}/${version}/${manifestsTarballName}`;
    let expected = this.expectedChecksum(version);
    if (expected === undefined) {
      const published = await this.fetchBytes(`${url}.sha256`, true);
      if (published) expected = parseChecksumFile(published.toString('utf8'), `${redactUrl(url)}.sha256`);
    }
    const tarball = await this.fetchBytes(url, false);
    if (!tarball) throw new Error(`GET ${redactUrl(url)}: not found`);
    this.verify(tarball, expected, redactUrl(url));
    const files = await readTarballFiles(tarball, this.maxBytes());
    const bundle = this.toBundle(version, files, url);
    await this.writeCache(version, tarball);
    return bundle;
  }

  private cachePaths(version: string): { dir: string; tarball: string; digest: string } | undefined {
    if (!this.options.cacheDir) return undefined;
    const dir = path.join(this.options.cacheDir, version);
    const tarball = path.join(dir, manifestsTarballName);
    return { dir, tarball, digest: `${tarball}.sha256` };
  }

  /** A cached download, verified against the digest recorded with it (and a configured one). */
  private async readCache(version: string): Promise<FluxReleaseBundle | undefined> {
    const paths = this.cachePaths(version);
    if (!paths || !existsSync(paths.tarball) || !existsSync(paths.digest)) return undefined;
    try {
      const tarball = await readFile(paths.tarball);
      const recorded = parseChecksumFile(await readFile(paths.digest, 'utf8'), paths.digest);
      this.verify(tarball, recorded, paths.tarball);
      this.verify(tarball, this.expectedChecksum(version), paths.tarball);
      const files = await readTarballFiles(tarball, this.maxBytes());
      const now = new Date();
      await utimes(paths.digest, now, now);
      return this.toBundle(version, files, paths.tarball);
    } catch (err) {
      this.logger.warn('Discarding cached Flux release bundle', {
        version,
        error: err instanceof Error ? err.message : String(err),
      });
      await rm(paths.dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** Stores a verified download (atomically) and evicts the least recently used versions. */
  private async writeCache(version: string, tarball: Buffer): Promise<void> {
    const paths = this.cachePaths(version);
    const cacheDir = this.options.cacheDir;
    if (!paths || !cacheDir) return;
    try {
      await mkdir(paths.dir, { recursive: true });
      const temporary = `${paths.tarball}.${process.pid}.tmp`;
      await writeFile(temporary, tarball);
      await rename(temporary, paths.tarball);
      await writeFile(paths.digest, `${sha256(tarball)}  ${manifestsTarballName}\n`);
      const entries = (await readdir(cacheDir)).filter((name) => isFluxReleaseVersion(name));
      const versions = await Promise.all(
        entries.map(async (name) => {
          const digest = path.join(cacheDir, name, `${manifestsTarballName}.sha256`);
          const used = existsSync(digest) ? (await stat(digest)).mtimeMs : 0;
          return { name, used };
        }),
      );
      versions.sort((a, b) => b.used - a.used);
      for (const stale of versions.slice(this.maxCached)) {
        await rm(path.join(cacheDir, stale.name), { recursive: true, force: true });
      }
    } catch (err) {
      // A cache that cannot be written costs a download later, nothing else.
      this.logger.warn('Cannot cache Flux release bundle', {
        version,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
