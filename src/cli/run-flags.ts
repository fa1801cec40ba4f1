import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { extensionClasses, type ExtensionClass } from '../gardener/constants.js';
import { parseManifestsChecksums } from '../flux/bundle-verification.js';
import type { LogFormat, LogLevel } from '../log/winston-logger.js';
import type { LandscapeFlags } from './landscape-flags.js';
import type { SeedClientFlags } from './seed-client-flags.js';

/** Every flag of `run`, parsed and validated. */
export interface RunOptions extends LandscapeFlags, SeedClientFlags {
  kubeconfig?: string;
  leaderElection: boolean;
  leaderElectionId: string;
  leaderElectionNamespace?: string;
  maxConcurrentReconciles: number;
  /** How many Flux upgrades (`syncMode: Full`) run at once. */
  maxConcurrentFluxUpgrades: number;
  ignoreOperationAnnotation: boolean;
  extensionClasses: ExtensionClass[];
  gardenClusterIdentity: string;
  heartbeatNamespace?: string;
  heartbeatRenewIntervalSeconds: number;
  metricsBindAddress: string;
  healthBindAddress: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  fluxManifestsBase: string[];
  fluxManifestsChecksum: Record<string, string>;
  reconcileTimeout: number;
  healthCheckSyncPeriod: number;
  healthCheckHeartbeatPeriod: number;
  healthCheckWatch: boolean;
  shootRequestTimeout: number;
  shootConnectTimeout: number;
  gracefulShutdownTimeout: number;
  master?: string;
  controllers: ControllerName[];
  disableControllers: ControllerName[];
  gardenerVersion?: string;
  selfHostedShootCluster: boolean;
  leaderElectionResourceLock: string;
  healthcheckMaxConcurrentReconciles?: number;
}

/** pflag-style boolean: `--flag`, `--flag=true`, `--flag=false` (also 1/0, t/f as Go's ParseBool). */
export function parseBoolFlag(value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidArgumentError(`"${value}" is not a boolean (use true or false)`);
}

/** A count flag: an integer greater than 0. */
export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`"${value}" must be an integer greater than 0`);
  return Number(value);
}

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's `time.ParseDuration` (e.g. `3m`, `90s`, `1m30s`, `500ms`) in milliseconds; must be > 0. */
export function parseDurationFlag(value: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(value)
    ? value.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g)
    : null;
  if (!parts) throw new InvalidArgumentError(`"${value}" is not a duration (e.g. 3m, 90s, 1m30s)`);
  const ms = parts.reduce((sum, part) => {
    const [, amount = '0', unit = 'ms'] = /^(\d+(?:\.\d+)?)(\D+)$/.exec(part) ?? [];
    return sum + Number(amount) * (durationUnits[unit] ?? 0);
  }, 0);
  if (ms <= 0) throw new InvalidArgumentError(`"${value}" must be greater than 0`);
  return ms;
}

/** One `--flux-manifests-checksum` value, merged into the earlier ones. */
export function parseChecksums(value: string, previous: Record<string, string>): Record<string, string> {
  try {
    return { ...previous, ...parseManifestsChecksums([value]) };
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A repeatable flag: every value, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--extension-classes`: comma-separated or repeated, each a known class, without duplicates. */
export function parseClasses(value: string, previous: ExtensionClass[]): ExtensionClass[] {
  const classes = value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const c of classes) {
    if (!(extensionClasses as readonly string[]).includes(c)) {
      throw new InvalidArgumentError(
        `unsupported extension class "${c}" (supported: ${extensionClasses.join(', ')})`,
      );
    }
  }
  return [...new Set([...previous, ...(classes as ExtensionClass[])])];
}

/** A pflag-style boolean option: `--flag`, `--flag=true|false`. */
export function boolOption(flags: string, description: string, defaultValue: boolean): Option {
  return new Option(`${flags} [enabled]`, description)
    .argParser(parseBoolFlag)
    .preset(true)
    .default(defaultValue);
}

/** The value, or undefined when empty (an empty env var counts as unset). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** The namespace of the in-cluster service account, if running in a pod. */
export function inClusterNamespace(): string | undefined {
  try {
    return (
      readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * The controllers a Gardener extension's `--controllers`/`--disable-controllers` switch between
 * (gardener's `SwitchOptions`): this process runs the Extension reconciler, the health check and
 * the heartbeat.
 */
export const controllerNames = ['extension', 'healthcheck', 'heartbeat'] as const;
export type ControllerName = (typeof controllerNames)[number];

/** `--controllers`, `--disable-controllers`: comma-separated known controller names. */
export function parseControllers(value: string, previous: ControllerName[] | undefined): ControllerName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!(controllerNames as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`cannot enable/disable unknown controller "${name}"`);
    }
  }
  return [...new Set([...(previous ?? []), ...(names as ControllerName[])])];
}

/** The controllers that run: `--controllers` (all when not given) less `--disable-controllers`. */
export function enabledControllers(
  options: Pick<RunOptions, 'controllers' | 'disableControllers'>,
): ControllerName[] {
  const wanted = options.controllers.length > 0 ? options.controllers : [...controllerNames];
  return wanted.filter((name) => !options.disableControllers.includes(name));
}
