#!/usr/bin/env node
// Entry point of the `gardener-extension-shoot-flux` binary.
import { runCli } from './program.js';

// A reader that has seen enough (`… | head -5`) closes the pipe. Like other Unix tools the CLI
// then stops quietly, with exit 0 (the reader chose to stop), instead of an unhandled EPIPE
// error and a stack trace. Any other failure to write output is an error of its own.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    if (stream !== process.stderr) process.stderr.write(`error: cannot write output: ${err.message}\n`);
    process.exit(2);
  });
}

process.exitCode = await runCli(process.argv.slice(2));
