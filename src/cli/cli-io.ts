/** An output stream as the CLI uses it: text in, nothing awaited. */
export interface TextSink {
  write(text: string): unknown;
}

/** Where one CLI invocation reads and writes; the process's streams in the binary, buffers in tests. */
export interface CliIo {
  /** Standard input, read only for `-f -`. */
  readonly stdin: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** The state of one invocation that commands share: its streams and the exit code they set. */
export interface CliContext {
  readonly io: CliIo;
  /** Set by the command that ran; unset means 0. */
  exitCode?: number;
}
