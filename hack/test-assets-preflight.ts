// The checks `npm run setup` makes before any long build: that every input the missing test
// assets need is there (Go, the Go module proxy serving each module, the system packages, a way
// to get each Flux release bundle). Only cheap calls: `go version`, `go list -m` (a module's
// .info and go.mod, not its source), file checks, one HEAD request per bundle download.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import semver from 'semver';
import { resolveAsset, type AssetSpec } from '../test/harness/assets.js';
import { testAssetVersions, type FluxReleasePin } from '../test/harness/asset-versions.js';
import { readPinnedControllers, flux2Module } from '../test/harness/flux-bundle-assembly.js';
import { findFluxBundle, fluxReleasesUrl, sharedTestdataDir } from '../test/harness/flux-bundles.js';
import { gitHttpBackendPath } from '../test/harness/git-server.js';
import { goEnvironment } from '../test/harness/go-modules.js';
import { dockerRegistryPath } from '../test/harness/oci-registry.js';

const execFileAsync = promisify(execFile);

/** One input that is missing, and how to provide it. */
export interface Problem {
  what: string;
  fix: string;
}

/** What the build phase will do, found while checking. */
export interface Plan {
  /** Assets neither configured nor cached: downloaded or built. */
  assets: AssetSpec[];
  /** Bundles not found: downloaded or assembled. */
  bundles: FluxReleasePin[];
}

/** What `go version` says, e.g. `1.26.8`; undefined without a working `go`. */
async function localGoVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['env', 'GOVERSION'], { env: goEnvironment() });
    return semver.coerce(stdout.trim().replace(/^go/, ''))?.version;
  } catch {
    return undefined;
  }
}

/** The `go` directive of a module's go.mod, fetched without its source; throws the proxy's refusal. */
async function moduleGoVersion(module: string, version: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['list', '-m', '-json', `${module}@${version}`], {
      env: goEnvironment(),
      // No go.mod of our own: run where `go list` needs none.
      cwd: '/',
    });
    const info = JSON.parse(stdout) as { GoVersion?: string; Error?: { Err?: string } };
    if (info.Error?.Err) throw new Error(info.Error.Err);
    return info.GoVersion;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(stderr?.split('\n')[0] ?? (err as Error).message, { cause: err });
  }
}

async function checkGoModule(
  label: string,
  module: string,
  version: string,
  goVersion: string,
): Promise<Problem | undefined> {
  try {
    const needs = await moduleGoVersion(module, version);
    const needed = needs ? semver.coerce(needs)?.version : undefined;
    if (needed && semver.lt(goVersion, needed)) {
      return {
        what: `${label}: ${module}@${version} needs Go ${needs}, this machine has Go ${goVersion}`,
        fix: 'install a newer Go (or set GOTOOLCHAIN to a Go release the module proxy serves)',
      };
    }
    return undefined;
  } catch (err) {
    return {
      what: `${label}: the Go module proxy does not serve ${module}@${version} (${(err as Error).message})`,
      fix: 'check GOPROXY / the network, or provide the result another way (see the README, "Test assets")',
    };
  }
}

async function isDownloadable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Checks every input the missing assets and bundles need; returns the problems (empty when
 * the build phase can run) and what it will build.
 */
export async function checkTestAssetInputs(
  selected: readonly AssetSpec[],
  bundles: readonly FluxReleasePin[],
  options: { systemPackages: boolean; offline: boolean },
): Promise<{ problems: Problem[]; plan: Plan }> {
  const problems: Problem[] = [];
  const plan: Plan = { assets: [], bundles: [] };
  for (const spec of selected) {
    await resolveAsset(spec, { lookOnly: true }).catch(() => plan.assets.push(spec));
  }
  for (const pin of bundles) {
    if (!findFluxBundle(pin).found) plan.bundles.push(pin);
  }

  if (options.systemPackages) {
    if (!existsSync(dockerRegistryPath())) {
      problems.push({
        what: `docker-registry (the OCI registry of the e2e tests and npm start) is missing: ${dockerRegistryPath()}`,
        fix: 'apt-get install docker-registry (npm run system-packages does, as root), or set SHOOT_FLUX_DOCKER_REGISTRY',
      });
    }
    if (!existsSync(gitHttpBackendPath())) {
      problems.push({
        what: `git http-backend (the Git server of the e2e tests and npm start) is missing: ${gitHttpBackendPath()}`,
        fix: 'apt-get install git (npm run system-packages does, as root), or set SHOOT_FLUX_GIT_HTTP_BACKEND',
      });
    }
  }

  const goVersion = await localGoVersion();
  // Downloads are tried first but cannot be relied on here; a missing asset may need a build.
  const builds = plan.assets;
  const downloadable = new Map<FluxReleasePin, boolean>();
  for (const pin of plan.bundles) {
    const canDownload =
      !options.offline &&
      pin.contentSha256 !== undefined &&
      !pin.components &&
      !pin.borrowed &&
      (await isDownloadable(`${fluxReleasesUrl}/${pin.version}/manifests.tar.gz`));
    downloadable.set(pin, canDownload);
  }
  const assemblies = plan.bundles.filter((pin) => !downloadable.get(pin));
  if ((builds.length > 0 || assemblies.length > 0) && goVersion === undefined) {
    const needs = [
      ...builds.map((s) => `${s.name} ${s.version}`),
      ...assemblies.map((p) => `the Flux ${p.version} bundle`),
    ];
    problems.push({
      what: `go is missing (no working "go" on PATH); it builds ${needs.join(', ')} from Go modules`,
      fix:
        'install Go (Debian: apt-get install golang-go; or go.dev/dl), or provide each binary ' +
        '(TEST_ASSET_* variables) and bundle (SHOOT_FLUX_TEST_FLUX_BUNDLES)',
    });
    return { problems, plan };
  }
  if (goVersion === undefined) return { problems, plan };

  const checks: Promise<Problem | undefined>[] = builds.map((spec) =>
    checkGoModule(`${spec.name} ${spec.version}`, spec.goBuild.module, spec.version, goVersion),
  );
  for (const pin of assemblies) {
    checks.push(
      (async () => {
        const label = `the Flux ${pin.version} bundle (assembled from Go modules)`;
        const refused: string[] = [];
        if (await checkGoModule(label, flux2Module, pin.version, goVersion)) {
          refused.push(`${flux2Module}@${pin.version}`);
        } else {
          for (const pinned of await readPinnedControllers(pin.version, pin.components)) {
            const problem = await checkGoModule(label, pinned.module, pinned.version, goVersion);
            if (problem) refused.push(`${pinned.module}@${pinned.version}`);
          }
        }
        if (refused.length === 0) return undefined;
        return {
          what: `${label}: the Go module proxy does not serve ${refused.join(', ')}`,
          fix:
            `download it on a machine that reaches GitHub (its digest is ${pin.contentSha256 ? 'pinned' : 'not pinned'}), ` +
            `or set SHOOT_FLUX_TEST_FLUX_BUNDLES to a directory holding ${pin.version}/`,
        };
      })(),
    );
  }
  if (!process.env.SHOOT_FLUX_GARDENER_CRDS && !sharedTestdataDir()) {
    checks.push(
      checkGoModule(
        'the Gardener CRDs',
        'github.com/gardener/gardener',
        testAssetVersions.gardener,
        goVersion,
      ),
    );
  }
  for (const problem of await Promise.all(checks)) if (problem) problems.push(problem);
  return { problems, plan };
}
