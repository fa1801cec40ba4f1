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

/** A bundle location: a local directory holding `<version>/`, or a URL prefix. */
export type ManifestsLocation = { kind: 'directory'; path: string } | { kind: 'url'; prefix: string };

/** Decodes one `--flux-manifests-base` value: `http(s)://` is a URL prefix, `file://` or a path a directory. */
export function decodeManifestsLocation(base: string): ManifestsLocation {
  if (/^https?:\/\//i.test(base)) return { kind: 'url', prefix: base.replace(/\/+$/, '') };
  if (/^file:\/\//i.test(base)) return { kind: 'directory', path: new URL(base).pathname };
  return { kind: 'directory', path: base };
}
