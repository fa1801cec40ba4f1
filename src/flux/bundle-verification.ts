import { createHash } from 'node:crypto';
import { isFluxReleaseVersion } from '../api/flux-version.js';

const sha256Pattern = /^[0-9a-f]{64}$/;

/** The sha256 (hex) of a tarball, as `sha256sum` prints it. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
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

/** The configured checksum of a version, lowercased; throws when it is no sha256 hex digest. */
export function decodeConfiguredChecksum(
  checksums: Readonly<Record<string, string>> | undefined,
  version: string,
): string | undefined {
  const configured = checksums?.[version]?.trim().toLowerCase();
  if (configured !== undefined && !sha256Pattern.test(configured)) {
    throw new Error(`the configured checksum of ${version} is not a sha256 hex digest`);
  }
  return configured;
}

/** The digest in a `.sha256` file: `<hex>` or sha256sum's `<hex>  <name>`. */
export function parseChecksumFile(text: string, source: string): string {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!sha256Pattern.test(digest)) throw new Error(`${source} holds no sha256 digest`);
  return digest;
}

/** Checks a tarball against the expected sha256 (none expected: nothing to check). */
export function verifyTarball(tarball: Buffer, expected: string | undefined, source: string): void {
  if (expected === undefined) return;
  const actual = sha256Hex(tarball);
  if (actual !== expected) {
    throw new Error(`checksum mismatch for ${source}: expected sha256 ${expected}, got ${actual}`);
  }
}

/**
 * The digest of an unpacked release bundle: the sha256 of the listing `<sha256 of file>  <name>\n`
 * of its files sorted by name (byte order), which is what
 * `LC_ALL=C sha256sum *.yaml | sha256sum` prints in the bundle directory. File contents are
 * hashed as given: pass bytes (not decoded text) to match sha256sum on any content.
 */
export function computeBundleDigest(files: Readonly<Record<string, string | Uint8Array>>): string {
  const names = Object.keys(files).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const listing = names
    .map(
      (name) =>
        `${createHash('sha256')
          .update(files[name] ?? '')
          .digest('hex')}  ${name}\n`,
    )
    .join('');
  return createHash('sha256').update(listing).digest('hex');
}

/**
 * A pinned checksum of unpacked files is their digest (computeBundleDigest): the sha256 of what
 * `LC_ALL=C sha256sum *.yaml` prints in the directory. A pin is never skipped.
 */
export function verifyUnpackedFiles(
  files: Record<string, Buffer>,
  expected: string | undefined,
  dir: string,
): void {
  if (expected === undefined) return;
  const actual = computeBundleDigest(files);
  if (actual !== expected) {
    throw new Error(
      `checksum mismatch for ${dir}: expected sha256 ${expected}, got ${actual} ` +
        '(unpacked files: the sha256 of what `LC_ALL=C sha256sum *.yaml` prints in the directory)',
    );
  }
}
