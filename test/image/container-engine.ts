import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../harness/assets.js';

const execFileAsync = promisify(execFile);
const engineScript = path.join(repoRoot, 'hack', 'container-engine.sh');

/** The tools the image test needs: buildah builds, mmdebstrap makes the bases, podman runs. */
export const imageTools = ['buildah', 'podman', 'mmdebstrap'] as const;

/** Whether `tool` is on PATH. */
export async function isOnPath(tool: string): Promise<boolean> {
  return execFileAsync('bash', ['-c', `command -v ${tool}`]).then(
    () => true,
    () => false,
  );
}

/**
 * `podman` global flags and `podman run` flags for this machine, from the same script the image
 * build uses (OCI runtime and resource limits; see hack/container-engine.sh).
 */
export async function readPodmanFlags(): Promise<{ global: string[]; run: string[] }> {
  const [runtime, ulimits] = await Promise.all([
    execFileAsync('bash', [engineScript, 'runtime']),
    execFileAsync('bash', [engineScript, 'ulimits']),
  ]);
  return {
    global: [`--runtime=${runtime.stdout.trim()}`],
    run: ulimits.stdout.split('\n').filter((line) => line !== ''),
  };
}

/** Runs podman with this machine's flags; resolves with its stdout, rejects with its stderr. */
export async function runPodman(args: string[]): Promise<string> {
  const flags = await readPodmanFlags();
  const [subcommand, ...rest] = args;
  const withRunFlags = subcommand === 'run' ? ['run', ...flags.run, ...rest] : args;
  const { stdout } = await execFileAsync('podman', [...flags.global, ...withRunFlags], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Every container the image test starts is named with this prefix. */
export const testContainerPrefix = 'shoot-flux-image-test-';

/**
 * Removes containers an earlier, killed run of the image test left behind (a SIGKILLed podman
 * leaves its container running, retrying against control planes that are gone).
 */
export async function removeLeftoverTestContainers(): Promise<string[]> {
  const names = (
    await runPodman(['ps', '--all', '--format={{.Names}}', `--filter=name=^${testContainerPrefix}`])
  )
    .split('\n')
    .filter((name) => name.startsWith(testContainerPrefix));
  if (names.length > 0) await runPodman(['rm', '--force', '--ignore', ...names]);
  return names;
}
