import { InvalidArgumentError, Option } from 'commander';
import { parseBindAddress } from '../controller/http-server.js';
import { logFormats, logLevels } from '../log/winston-logger.js';

/** A Go-style bind address flag (`:8080`, `127.0.0.1:8080`, `0` = disabled), checked when parsed. */
export function parseBindAddressFlag(value: string): string {
  try {
    parseBindAddress(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

/*
 * The flags every long-running command shares, as Gardener's components spell them: the metrics
 * and probe listeners and the log settings. `run` and `admission` take them from here, so the two
 * cannot drift apart.
 */

/** `--metrics-bind-address` (default `:8080`). */
export function metricsBindAddressOption(): Option {
  return new Option('--metrics-bind-address <address>', 'metrics listener ("0" disables)')
    .argParser(parseBindAddressFlag)
    .default(':8080');
}

/** `--health-bind-address` (default `:8081`). */
export function healthBindAddressOption(): Option {
  return new Option('--health-bind-address <address>', 'health probe listener ("0" disables)')
    .argParser(parseBindAddressFlag)
    .default(':8081');
}

/** `--log-level` (default `info`). */
export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log level').choices(logLevels).default('info');
}

/** `--log-format` (default `json`). */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log format').choices(logFormats).default('json');
}
