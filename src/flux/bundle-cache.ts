import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isFluxReleaseVersion } from '../api/flux-version.js';
import type { Logger } from '../log/logger.js';
import type { FluxReleaseBundle } from './install/bundle.js';
import { manifestsTarballName } from './bundle-locations.js';
import { readTarballFiles } from './bundle-tarball.js';
import { parseChecksumFile, sha256Hex, verifyTarball } from './bundle-verification.js';

/** Options of a {@link BundleDiskCache}. */
export interface BundleDiskCacheOptions {
  /** Directory caching downloaded tarballs per version; none caches nothing on disk. */
  readonly cacheDir: string | undefined;
  /** Versions kept; the least recently used go first. */
  readonly maxCachedVersions: number;
  /** The configured checksum of a version (throws when it is malformed). */
  readonly expectedChecksum: (version: string) => string | undefined;
  /** Largest tarball content accepted. */
  readonly maxBytes: number;
  readonly logger: Logger;
}

/**
 * Downloaded tarballs on disk, `<cacheDir>/<version>/manifests.tar.gz` with the sha256 recorded
 * beside it. A read verifies the tarball again (recorded and configured digest); a broken entry
 * is removed and costs a download. Least recently used versions are evicted on every write.
 */
export class BundleDiskCache {
  constructor(private readonly options: BundleDiskCacheOptions) {}

  private paths(version: string): { dir: string; tarball: string; digest: string } | undefined {
    if (!this.options.cacheDir) return undefined;
    const dir = path.join(this.options.cacheDir, version);
    const tarball = path.join(dir, manifestsTarballName);
    return { dir, tarball, digest: `${tarball}.sha256` };
  }

  /**
   * A cached download turned into a bundle by `toBundle` (which may refuse it by throwing: the
   * entry is discarded then), or undefined when none is cached or it is broken.
   */
  async read(
    version: string,
    toBundle: (files: Record<string, string>, source: string) => FluxReleaseBundle,
  ): Promise<FluxReleaseBundle | undefined> {
    const paths = this.paths(version);
    if (!paths || !existsSync(paths.tarball) || !existsSync(paths.digest)) return undefined;
    try {
      const tarball = await readFile(paths.tarball);
      const recorded = parseChecksumFile(await readFile(paths.digest, 'utf8'), paths.digest);
      verifyTarball(tarball, recorded, paths.tarball);
      verifyTarball(tarball, this.options.expectedChecksum(version), paths.tarball);
      const files = await readTarballFiles(tarball, this.options.maxBytes);
      const now = new Date();
      await utimes(paths.digest, now, now);
      return toBundle(files, paths.tarball);
    } catch (err) {
      this.options.logger.warn('Discarding cached Flux release bundle', {
        version,
        error: err instanceof Error ? err.message : String(err),
      });
      await rm(paths.dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** Stores a verified download (atomically) and evicts the least recently used versions. */
  async write(version: string, tarball: Buffer): Promise<void> {
    const paths = this.paths(version);
    const cacheDir = this.options.cacheDir;
    if (!paths || !cacheDir) return;
    try {
      await mkdir(paths.dir, { recursive: true });
      const temporary = `${paths.tarball}.${process.pid}.tmp`;
      await writeFile(temporary, tarball);
      await rename(temporary, paths.tarball);
      await writeFile(paths.digest, `${sha256Hex(tarball)}  ${manifestsTarballName}\n`);
      const entries = (await readdir(cacheDir)).filter((name) => isFluxReleaseVersion(name));
      const versions = await Promise.all(
        entries.map(async (name) => {
          const digest = path.join(cacheDir, name, `${manifestsTarballName}.sha256`);
          const used = existsSync(digest) ? (await stat(digest)).mtimeMs : 0;
          return { name, used };
        }),
      );
      versions.sort((a, b) => b.used - a.used);
      for (const stale of versions.slice(this.options.maxCachedVersions)) {
        await rm(path.join(cacheDir, stale.name), { recursive: true, force: true });
      }
    } catch (err) {
      // A cache that cannot be written costs a download later, nothing else.
      this.options.logger.warn('Cannot cache Flux release bundle', {
        version,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
