import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';

/** A child process of the harness with its output kept in a log file and a tail in memory. */
export class ManagedProcess {
  private readonly tail: string[] = [];
  private readonly log: WriteStream;
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  readonly child: ChildProcess;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
  ) {
    this.log = createWriteStream(options.logFile);
    this.child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    const keep = (chunk: Buffer) => {
      this.log.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
      }
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
      this.child.on('error', (err) => {
        this.tail.push(`spawn error: ${err.message}`);
        this.exitCode = -1;
        resolve(-1);
      });
    });
    liveProcesses.add(this);
    void this.exited.then(() => liveProcesses.delete(this));
    ensureReaper();
    reaper?.stdin?.write(`${this.child.pid ?? ''}\n`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process has exited (and with which code). */
  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  /** The last lines the process printed, for failure messages. */
  logs(lines = 60): string {
    return this.tail.slice(-lines).join('\n');
  }

  /** Resolves with the exit code when the process ends. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /** Stops the process: SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

const liveProcesses = new Set<ManagedProcess>();
let reaper: ChildProcess | undefined;

/**
 * A watchdog shell that outlives nothing: it reads the PIDs of the harness's children on stdin
 * and kills them when this Node process is gone, even after SIGKILL, so no test run leaves
 * etcd or kube-apiserver behind.
 */
function ensureReaper(): void {
  if (reaper) return;
  // stdin reaches EOF exactly when this process is gone, however it died.
  const script =
    'pids=""; while read -r pid; do pids="$pids $pid"; done; ' +
    'for p in $pids; do kill -TERM "$p" 2>/dev/null; done; sleep 2; ' +
    'for p in $pids; do kill -KILL "$p" 2>/dev/null; done';
  reaper = spawn('bash', ['-c', script], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const killAll = () => {
    for (const p of liveProcesses) p.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A program with its own handler (testenv) shuts down cleanly itself; the exit hook and
      // the reaper still guard it. Otherwise die like the default handler would, children first.
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** The PIDs of harness children still running. */
export function livePids(): number[] {
  return [...liveProcesses].map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
}

/** A free TCP port on 127.0.0.1 (bind :0, read, close; racy like envtest's, callers retry). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Polls `check` until it returns true or the deadline passes (harness start-up only). */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  abortIf?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = abortIf?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
