import { createHash } from 'node:crypto';

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
