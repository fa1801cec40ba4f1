// Two ways to run the CLI in tests. In process (runCliInProcess) for behaviour: fast and
// independent of a build. As the built binary (runBuiltCli) only where the behaviour is about the
// process: exit codes, signals, closed pipes, resource limits. The binary's tests rely on the
// central test timeout of vitest.unit.config.ts, never on their own.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from '../../../../src/cli/cli-io.js';
import { runCli } from '../../../../src/cli/program.js';

/** What one invocation did. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with `input` as standard input; streams are captured. */
export async function runCliInProcess(args: string[], input = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: [Buffer.from(input, 'utf8')],
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** The built entry point (`npm run build`; `npm test` builds first). */
export const builtCli = path.join(import.meta.dirname, '../../../../dist/cli/main.js');

/** Throws with a hint when the CLI is not built, for a `beforeAll`. */
export function requireBuiltCli(): void {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run "npm run build" first`);
}

/** How to start the built CLI. */
export interface BuiltCliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** A shell command run before the CLI in the same shell, e.g. `ulimit -f 100`. */
  shellPrefix?: string;
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Runs the built CLI as a child process and resolves when it has exited. */
export function runBuiltCli(args: string[], options: BuiltCliOptions = {}): Promise<CliResult> {
  const argv = [process.execPath, builtCli, ...args];
  const child =
    options.shellPrefix === undefined
      ? spawn(argv[0] ?? '', argv.slice(1), { env: options.env ?? process.env })
      : spawn('/bin/sh', ['-c', `${options.shellPrefix}; exec ${argv.map(quote).join(' ')}`], {
          env: options.env ?? process.env,
        });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A CLI that exits before reading its input closes the pipe; that is not a test failure.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the built CLI and closes the read end of its standard output after the first chunk, as
 * `| head -1` does; resolves with what the CLI wrote to standard error and its exit code.
 */
export function runBuiltCliClosingStdout(args: string[], input = ''): Promise<Omit<CliResult, 'stdout'>> {
  const child = spawn(process.execPath, [builtCli, ...args]);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.once('data', () => child.stdout.destroy());
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stderr });
    });
  });
}
