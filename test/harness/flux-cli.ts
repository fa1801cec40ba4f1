// The real Flux CLI of a release, for the golden comparisons of `flux install --export`: built
// from its Go module with the release bundle embedded (hack/build-flux-cli.sh) and cached beside
// the other test binaries. The bundle comes from the harness's offline lookup, never the repo.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, isExecutable, repoRoot } from './assets.js';
import { fluxReleasePin, resolveFluxBundle } from './flux-bundles.js';

/** Environment variable pointing at an existing Flux CLI binary of the default release. */
export const fluxCliEnvVar = 'TEST_ASSET_FLUX_CLI';

/** The cache path of the Flux CLI of `version`. */
export function cachedFluxCliPath(version: string): string {
  return path.join(cacheDir(), 'bin', `flux-${version}`);
}

/**
 * The Flux CLI of `version`: `$TEST_ASSET_FLUX_CLI`, the cache, else built (cold: about three
 * minutes on 2 cores, mostly module downloads) from the module and the release's bundle.
 */
export async function resolveFluxCli(
  version: string,
  progress: (line: string) => void = () => undefined,
): Promise<string> {
  const fromEnv = process.env[fluxCliEnvVar];
  if (fromEnv) {
    if (!(await isExecutable(fromEnv)))
      throw new Error(`${fluxCliEnvVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const cached = cachedFluxCliPath(version);
  if (await isExecutable(cached)) return cached;
  const bundle = await resolveFluxBundle(fluxReleasePin(version), { progress });
  await mkdir(path.dirname(cached), { recursive: true });
  const script = path.join(repoRoot, 'hack', 'build-flux-cli.sh');
  progress(`flux ${version}: building the CLI from its Go module`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(script, [version, bundle.dir, cached], { stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') progress(`  ${line}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) => {
      reject(new Error(`cannot run ${script}: ${err.message}`));
    });
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`building the Flux CLI ${version} failed (exit ${code})`));
    });
  });
  return cached;
}
