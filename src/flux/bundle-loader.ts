// src/flux is pure but for the bundle loader files (bundle-loader, -cache, -directory, -download,
// -tarball): they find a Flux release bundle in local directories or download it from a release
// URL or mirror, and cache it on disk and in memory. The Go reference downloads the bundle on
// every install, with no cache, mirror or checksum.
import { isFluxReleaseVersion } from '../api/flux-version.js';
import { discardLogger, type Logger } from '../log/logger.js';
import { redactUrl } from '../log/redact-url.js';
import { BundleDiskCache } from './bundle-cache.js';
import { readBundleDirectory } from './bundle-directory.js';
import { downloadBundleTarball } from './bundle-download.js';
import { decodeManifestsLocation, parseManifestsBases } from './bundle-locations.js';
import { readTarballFiles } from './bundle-tarball.js';
import { decodeConfiguredChecksum } from './bundle-verification.js';
import type { FluxReleaseBundle } from './install/bundle.js';

/** Why no bundle could be loaded: names the version and every location tried. */
export class FluxBundleError extends Error {
  override readonly name = 'FluxBundleError';
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
  private readonly maxBytes: number;
  private readonly logger: Logger;
  private readonly disk: BundleDiskCache;

  constructor(private readonly options: FluxBundleLoaderOptions = {}) {
    this.bases = parseManifestsBases(options.bases ?? []);
    this.maxCached = Math.max(1, options.maxCachedVersions ?? 8);
    this.maxBytes = options.maxBundleBytes ?? 64 * 1024 * 1024;
    this.logger = (options.logger ?? discardLogger).named('flux-bundle-loader');
    this.disk = new BundleDiskCache({
      cacheDir: options.cacheDir,
      maxCachedVersions: this.maxCached,
      expectedChecksum: (version) => decodeConfiguredChecksum(options.checksums, version),
      maxBytes: this.maxBytes,
      logger: this.logger,
    });
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
    const expectedChecksum = () => decodeConfiguredChecksum(this.options.checksums, version);
    const toBundle = (files: Record<string, string>, source: string) => this.toBundle(version, files, source);
    for (const base of this.bases) {
      const location = decodeManifestsLocation(base);
      try {
        if (location.kind === 'directory') {
          const { files, source } = await readBundleDirectory(location.path, version, {
            expectedChecksum,
            maxBytes: this.maxBytes,
          });
          return toBundle(files, source);
        }
        if (!cacheChecked) {
          cacheChecked = true;
          const cached = await this.disk.read(version, toBundle);
          if (cached) return cached;
        }
        const { tarball, url } = await downloadBundleTarball(location.prefix, version, {
          expectedChecksum,
          timeoutMs: this.options.timeoutMs,
          retries: this.options.retries,
          minRetryDelayMs: this.options.minRetryDelayMs,
          maxBytes: this.maxBytes,
          logger: this.logger,
        });
        const bundle = toBundle(await readTarballFiles(tarball, this.maxBytes), url);
        await this.disk.write(version, tarball);
        return bundle;
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

  private toBundle(version: string, files: Record<string, string>, source: string): FluxReleaseBundle {
    if (Object.keys(files).length === 0) throw new Error(`no manifests (*.yaml) in ${source}`);
    this.logger.info('Loaded Flux release bundle', { version, source: redactUrl(source) });
    return { version, files, source: redactUrl(source) };
  }
}
