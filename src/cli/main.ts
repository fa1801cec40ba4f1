#!/usr/bin/env node
// Entry point of the `gardener-extension-shoot-flux` binary.
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
