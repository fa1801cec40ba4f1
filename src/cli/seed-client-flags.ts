import { InvalidArgumentError, Option, type Command } from 'commander';
import { extensionResyncMs } from '../gardener/constants.js';
import type { RateLimit } from '../kube/rate-limit.js';
import { parseDurationFlag, parsePositiveInteger } from './run-flags.js';

/** The flags of `run` that size its work against the seed: rate limit and resync period. */
export interface SeedClientFlags {
  /** `--kube-api-qps` */
  kubeApiQps: number;
  /** `--kube-api-burst` */
  kubeApiBurst: number;
  /** `--resync-period`, in milliseconds. */
  resyncPeriod: number;
}

/**
 * Defaults of `--kube-api-qps` and `--kube-api-burst`, gardenlet's for its seed client: a steady
 * resync costs the seed about four reads per shoot (Extension, Cluster, the access secret, a
 * referenced secret), so 1000 shoots resync within a minute, while a restart of every replica at
 * once cannot flood the seed's API server (client-go's default of 5/s would take over ten minutes).
 */
export const defaultSeedRateLimit: RateLimit = { qps: 100, burst: 130 };

/** A number greater than 0 (QPS may be fractional, as client-go's float32). */
export function parsePositiveNumber(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0)
    throw new InvalidArgumentError(`"${value}" must be a number greater than 0`);
  return Number(value);
}

/** Adds `--resync-period`, `--kube-api-qps` and `--kube-api-burst` to `command`. */
export function addSeedClientFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--resync-period <duration>',
        'reconcile every successfully reconciled Extension again after this long',
      )
        .argParser(parseDurationFlag)
        .default(extensionResyncMs, '60m'),
    )
    .addOption(
      new Option('--kube-api-qps <qps>', 'requests per second to the seed API server (token bucket)')
        .argParser(parsePositiveNumber)
        .default(defaultSeedRateLimit.qps),
    )
    .addOption(
      new Option(
        '--kube-api-burst <n>',
        'requests to the seed API server allowed at once above --kube-api-qps',
      )
        .argParser(parsePositiveInteger)
        .default(defaultSeedRateLimit.burst),
    );
}
