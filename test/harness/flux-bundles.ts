// Finds the Flux release bundles (the unpacked `manifests.tar.gz` of a release) the tests and
// `npm start` use, in this order: an environment variable, the cache, the shared test data
// beside the checkout (a speed-up, never required), a download of the release asset verified
// against the digest pinned in asset-versions.ts, and last, offline, an assembly from Go modules
// (flux-bundle-assembly.ts). Downloads and assemblies are cached.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { computeBundleDigest } from '../../src/flux/bundle-verification.js';
import { readTarballFiles } from '../../src/flux/bundle-tarball.js';
import { assets, cacheDir, repoRoot, resolveAsset } from './assets.js';
import { fluxReleases, type FluxReleasePin } from './asset-versions.js';
import { assembleFluxBundle } from './flux-bundle-assembly.js';

/** Where a resolved bundle came from. */
export type FluxBundleOrigin = 'env' | 'cache' | 'shared' | 'download' | 'assembled';

/** A bundle directory holding `<component>.yaml`, `rbac.yaml`, `policies.yaml`. */
export interface ResolvedFluxBundle {
  version: string;
  dir: string;
  origin: FluxBundleOrigin;
  /** For a cached bundle: how it was made (`download` or `assembled`). */
  madeBy?: 'download' | 'assembled';
  /** Whether its files have the digest pinned for the release. */
  verified: boolean;
}

/** Where to look; every field defaults to this machine's configuration. */
export interface FluxBundleSources {
  /** Root of the test-asset cache (default {@link cacheDir}). */
  cacheRoot?: string;
  /** The shared test data directory, if any (default {@link sharedTestdataDir}). */
  sharedDir?: string;
  /** Where releases publish `<version>/manifests.tar.gz`; default Flux's GitHub releases. */
  releasesUrl?: string;
  /** Skip the download (default `SHOOT_FLUX_OFFLINE=true`). */
  offline?: boolean;
  /** The kustomize binary for assembly; default the cached test asset, built when missing. */
  kustomize?: () => Promise<string>;
  progress?: (line: string) => void;
}

/** Flux's release downloads: `<base>/<version>/manifests.tar.gz`. */
export const fluxReleasesUrl = 'https://github.com/fluxcd/flux2/releases/download';

/** The directory of `<version>/` bundle directories (`--flux-manifests-base` layout). */
export const bundlesEnvVar = 'SHOOT_FLUX_TEST_FLUX_BUNDLES';
/** One directory holding the default release's bundle. */
export const currentBundleEnvVar = 'SHOOT_FLUX_TEST_FLUX_MANIFESTS';

/**
 * The shared test data beside the checkout (`../shared/testdata`), or `$SHOOT_FLUX_TESTDATA`.
 * Data from other projects is never committed here: it is read from its place at test time.
 */
export function sharedTestdataDir(): string | undefined {
  const dir = process.env.SHOOT_FLUX_TESTDATA ?? path.join(repoRoot, '..', 'shared', 'testdata');
  return existsSync(dir) ? dir : undefined;
}

/** The pin of a release listed in `fluxReleases`, or a bare one (nothing pinned). */
export function fluxReleasePin(version: string): FluxReleasePin {
  return Object.values(fluxReleases).find((p: FluxReleasePin) => p.version === version) ?? { version };
}

/** The digest pinned for a bundle's files; the loader checks `--flux-manifests-checksum` of a directory the same way. */
export { computeBundleDigest };

function readBundleDirSync(dir: string): Record<string, string> {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return Object.fromEntries(names.map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]));
}

/** The `*.yaml` files of a bundle directory, name → content. */
export async function readBundleDir(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(path.join(dir, name), 'utf8');
  return files;
}

/** What the cache records next to a bundle it made. */
interface CacheRecord {
  version: string;
  madeBy: 'download' | 'assembled';
  contentSha256: string;
  /** The pin's assembly recipe; a changed pin makes the cached bundle stale. */
  recipe: string;
}

function recipeOf(pin: FluxReleasePin): string {
  return JSON.stringify({ components: pin.components ?? null, borrowed: pin.borrowed ?? null });
}

/** The cache directory of a release's bundle and the record beside it. */
export function fluxBundleCachePaths(
  version: string,
  cacheRoot = cacheDir(),
): { dir: string; record: string } {
  const root = path.join(cacheRoot, 'flux-bundles');
  return { dir: path.join(root, version), record: path.join(root, `${version}.json`) };
}

function isVerified(pin: FluxReleasePin, files: Record<string, string>): boolean {
  return pin.contentSha256 !== undefined && computeBundleDigest(files) === pin.contentSha256;
}

/** A bundle that only needs looking up, and why each place did not have one. */
export interface FluxBundleLookup {
  found?: ResolvedFluxBundle;
  notes: string[];
}

/**
 * Looks for a release's bundle without downloading or building anything: the environment
 * variables, the cache (checked against the digest recorded with it and the pinned one), the
 * shared test data (used only when it has the pinned digest).
 */
export function findFluxBundle(pin: FluxReleasePin, sources: FluxBundleSources = {}): FluxBundleLookup {
  const notes: string[] = [];
  const { version } = pin;
  const fromEnv = [
    process.env[bundlesEnvVar] ? path.join(process.env[bundlesEnvVar], version) : undefined,
    version === fluxReleases.current.version ? process.env[currentBundleEnvVar] : undefined,
  ].filter((dir): dir is string => dir !== undefined);
  for (const dir of fromEnv) {
    if (!existsSync(dir)) {
      notes.push(`${dir} (from the environment) does not exist`);
      continue;
    }
    return {
      found: { version, dir, origin: 'env', verified: isVerified(pin, readBundleDirSync(dir)) },
      notes,
    };
  }

  const cached = fluxBundleCachePaths(version, sources.cacheRoot);
  if (existsSync(cached.record) && existsSync(cached.dir)) {
    const record = JSON.parse(readFileSync(cached.record, 'utf8')) as CacheRecord;
    const digest = computeBundleDigest(readBundleDirSync(cached.dir));
    if (record.recipe !== recipeOf(pin)) notes.push(`${cached.dir} was made by another recipe: stale`);
    else if (digest !== record.contentSha256) notes.push(`${cached.dir} changed since it was cached`);
    else if (pin.contentSha256 !== undefined && digest !== pin.contentSha256)
      notes.push(`${cached.dir} does not have the pinned digest`);
    else {
      const verified = pin.contentSha256 !== undefined;
      return {
        found: { version, dir: cached.dir, origin: 'cache', madeBy: record.madeBy, verified },
        notes,
      };
    }
  } else {
    notes.push(`${cached.dir}: not cached yet`);
  }

  const shared = 'sharedDir' in sources ? sources.sharedDir : sharedTestdataDir();
  const sharedBundle = shared && path.join(shared, 'flux', 'manifests');
  if (version === fluxReleases.current.version && sharedBundle && existsSync(sharedBundle)) {
    if (isVerified(pin, readBundleDirSync(sharedBundle))) {
      return { found: { version, dir: sharedBundle, origin: 'shared', verified: true }, notes };
    }
    notes.push(`${sharedBundle} does not have the pinned digest`);
  }
  return { notes };
}

async function writeCache(
  version: string,
  cacheRoot: string | undefined,
  files: Record<string, string>,
  madeBy: CacheRecord['madeBy'],
  pin: FluxReleasePin,
): Promise<string> {
  const paths = fluxBundleCachePaths(version, cacheRoot);
  const staging = `${paths.dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(staging, name), content);
  await rm(paths.record, { force: true });
  await rm(paths.dir, { recursive: true, force: true });
  await rename(staging, paths.dir);
  const record: CacheRecord = {
    version,
    madeBy,
    contentSha256: computeBundleDigest(files),
    recipe: recipeOf(pin),
  };
  await writeFile(paths.record, `${JSON.stringify(record, null, 2)}\n`);
  return paths.dir;
}

async function download(pin: FluxReleasePin, sources: FluxBundleSources): Promise<Record<string, string>> {
  const url = `${sources.releasesUrl ?? fluxReleasesUrl}/${pin.version}/manifests.tar.gz`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const reason =
      err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error).message;
    throw new Error(`GET ${url}: ${reason}`, { cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  const files = await readTarballFiles(Buffer.from(await response.arrayBuffer()), 64 * 1024 * 1024);
  const digest = computeBundleDigest(files);
  if (digest !== pin.contentSha256) {
    throw new Error(`${url}: its files have digest ${digest}, not the pinned ${pin.contentSha256}`);
  }
  return files;
}

async function assemble(pin: FluxReleasePin, sources: FluxBundleSources): Promise<Record<string, string>> {
  const progress = sources.progress ?? (() => undefined);
  const kustomize = sources.kustomize
    ? await sources.kustomize()
    : (await resolveAsset(assets.kustomize, { progress })).path;
  const files = await assembleFluxBundle({
    version: pin.version,
    kustomize,
    components: pin.components,
    progress,
  });
  if (pin.borrowed) {
    const lender = await resolveFluxBundle(fluxReleasePin(pin.borrowed.from), sources);
    for (const component of pin.borrowed.components) {
      const name = `${component}.yaml`;
      files[name] = await readFile(path.join(lender.dir, name), 'utf8');
    }
  }
  if (pin.contentSha256 !== undefined) {
    const digest = computeBundleDigest(files);
    if (digest !== pin.contentSha256) {
      throw new Error(
        `the bundle assembled from Go modules has digest ${digest}, not the release's ${pin.contentSha256} ` +
          `(is kustomize ${assets.kustomize.version}, the version Flux's release used, the one in use?)`,
      );
    }
  }
  return files;
}

/**
 * A release's bundle: found (see {@link findFluxBundle}), else downloaded and verified, else
 * assembled from Go modules; the latter two are cached. Fails naming every place tried.
 */
export async function resolveFluxBundle(
  pin: FluxReleasePin,
  sources: FluxBundleSources = {},
): Promise<ResolvedFluxBundle> {
  const progress = sources.progress ?? (() => undefined);
  const lookup = findFluxBundle(pin, sources);
  if (lookup.found) return lookup.found;
  const tried = [...lookup.notes];
  const offline = sources.offline ?? process.env.SHOOT_FLUX_OFFLINE === 'true';
  if (offline) tried.push('download: skipped (SHOOT_FLUX_OFFLINE=true)');
  else if (pin.contentSha256 === undefined || pin.components || pin.borrowed) {
    // Only a release asset whose digest is pinned can be checked; without one, do not fetch it.
    tried.push(`download: skipped (no digest pinned for ${pin.version} in test/harness/asset-versions.ts)`);
  } else {
    try {
      progress(`Flux ${pin.version} bundle: downloading the release's manifests.tar.gz`);
      const files = await download(pin, sources);
      const dir = await writeCache(pin.version, sources.cacheRoot, files, 'download', pin);
      return { version: pin.version, dir, origin: 'download', verified: true };
    } catch (err) {
      tried.push(`download: ${(err as Error).message}`);
      progress(`Flux ${pin.version} bundle: download failed (${(err as Error).message})`);
    }
  }
  progress(`Flux ${pin.version} bundle: assembling from Go modules`);
  try {
    const files = await assemble(pin, sources);
    const dir = await writeCache(pin.version, sources.cacheRoot, files, 'assembled', pin);
    return { version: pin.version, dir, origin: 'assembled', verified: isVerified(pin, files) };
  } catch (err) {
    tried.push(`assembly from Go modules: ${(err as Error).message}`);
  }
  throw new Error(`cannot get the Flux ${pin.version} release bundle. Tried:\n  ${tried.join('\n  ')}`);
}
