import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * The environment every `go` call of the harness runs with: the machine's own toolchain (no
 * toolchain download) and a writable module cache, so `rm -rf` of a cache works.
 */
export function goEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local', GOFLAGS: '-modcacherw' };
}

/**
 * Downloads a Go module into the module cache (once; later calls read the cache) and returns
 * its directory. Fails with the proxy's own words when it refuses the module version.
 */
export async function downloadGoModule(module: string, version: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('go', ['mod', 'download', '-json', `${module}@${version}`], {
      env: goEnvironment(),
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (err) {
    // `go mod download -json` prints the error as JSON on stdout and exits 1.
    const output = (err as { stdout?: string }).stdout;
    const reason = output ? parseDownloadError(output) : undefined;
    throw new Error(reason ?? `go mod download ${module}@${version}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(info.Error ?? `go mod download ${module}@${version} returned no directory`);
  return info.Dir;
}

function parseDownloadError(output: string): string | undefined {
  try {
    const info = JSON.parse(output) as { Error?: string };
    return info.Error?.split('\n')[0];
  } catch {
    return undefined;
  }
}
