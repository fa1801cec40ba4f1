import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { manifestsTarballName } from './bundle-locations.js';
import { readTarballFiles } from './bundle-tarball.js';
import { parseChecksumFile, verifyTarball, verifyUnpackedFiles } from './bundle-verification.js';

/** The manifest files of a bundle and where they were read (for messages). */
export interface BundleFiles {
  files: Record<string, string>;
  source: string;
}

/** How a bundle directory is read. */
export interface BundleDirectoryOptions {
  /** The configured checksum of the version (throws when it is malformed); read only when needed. */
  readonly expectedChecksum: () => string | undefined;
  /** Largest tarball or sum of unpacked files accepted. */
  readonly maxBytes: number;
}

/**
 * A bundle from a local directory `DIR/<version>/`: its `manifests.tar.gz` (verified against the
 * configured checksum, else a `manifests.tar.gz.sha256` beside it) or, without one, its unpacked
 * `*.yaml` files (verified against a configured bundle digest).
 */
export async function readBundleDirectory(
  dir: string,
  version: string,
  options: BundleDirectoryOptions,
): Promise<BundleFiles> {
  const versionDir = path.join(dir, version);
  if (!existsSync(versionDir)) throw new Error(`no directory ${versionDir}`);
  const tarballPath = path.join(versionDir, manifestsTarballName);
  if (existsSync(tarballPath)) {
    const tarball = await readFile(tarballPath);
    const checksumPath = `${tarballPath}.sha256`;
    const expected =
      options.expectedChecksum() ??
      (existsSync(checksumPath)
        ? parseChecksumFile(await readFile(checksumPath, 'utf8'), checksumPath)
        : undefined);
    verifyTarball(tarball, expected, tarballPath);
    return { files: await readTarballFiles(tarball, options.maxBytes), source: tarballPath };
  }
  const names = (await readdir(versionDir)).filter((f) => f.endsWith('.yaml')).sort();
  const contents: Record<string, Buffer> = {};
  let total = 0;
  for (const name of names) {
    // The same bound as an unpacked tarball, checked before reading, so a huge file costs nothing.
    total += (await stat(path.join(versionDir, name))).size;
    if (total > options.maxBytes) throw new Error(`${versionDir} holds more than ${options.maxBytes} bytes`);
    contents[name] = await readFile(path.join(versionDir, name));
  }
  verifyUnpackedFiles(contents, options.expectedChecksum(), versionDir);
  const files = Object.fromEntries(
    Object.entries(contents).map(([name, data]) => [name, data.toString('utf8')]),
  );
  return { files, source: versionDir };
}
