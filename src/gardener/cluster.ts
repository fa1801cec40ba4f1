import { forceDeletionAnnotation, operationStates } from './constants.js';
import type { Cluster, ClusterObject, Shoot } from './types.js';
import { isRecord } from '../api/is-record.js';

/** Why a Cluster could not be decoded (the value, never a throw). */
export interface ClusterDecodeError {
  error: string;
}

/** The shoot status fields published into the shoot (shoot-info): strings in Gardener's API. */
const identityFields = ['technicalID', 'clusterIdentity'] as const;

/**
 * The shoot's status with the identity fields as strings: a number or boolean (a Cluster written
 * by something other than gardenlet) becomes its decimal text, as it would print; a structured
 * value cannot be a name and is an error value. Without this, the value reached the shoot-info
 * ConfigMap, whose data only holds strings, and its apply failed with an API server 500.
 */
function decodeShootStatus(raw: unknown): { status?: Record<string, unknown> } | ClusterDecodeError {
  if (!isRecord(raw)) return {};
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!(identityFields as readonly string[]).includes(key)) entries.push([key, value]);
    else if (value === undefined || value === null) continue;
    else if (typeof value === 'string') entries.push([key, value]);
    else if (typeof value === 'number' || typeof value === 'boolean') entries.push([key, String(value)]);
    else return { error: `spec.shoot.status.${key} must be a string` };
  }
  // fromEntries defines own properties: a `__proto__` key stays data.
  const status = Object.fromEntries(entries);
  return { status };
}

/**
 * Decodes a Cluster object: `spec.shoot` must be an object with `metadata.name`; `spec.seed` and
 * `spec.cloudProfile` are optional raw objects. A missing or malformed shoot is an error value;
 * the shoot status fields the controller publishes are strings afterwards (see decodeShootStatus).
 */
export function decodeCluster(object: ClusterObject): { cluster: Cluster } | ClusterDecodeError {
  const name = object.metadata.name;
  const spec: unknown = object.spec;
  if (!isRecord(spec)) return { error: `cluster ${name}: spec is missing` };
  const shoot = spec.shoot;
  if (shoot === undefined || shoot === null) return { error: `cluster ${name}: spec.shoot is missing` };
  if (!isRecord(shoot)) return { error: `cluster ${name}: spec.shoot is not an object` };
  const metadata = shoot.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    return { error: `cluster ${name}: spec.shoot.metadata.name is missing` };
  }
  for (const key of ['spec', 'status'] as const) {
    if (shoot[key] !== undefined && shoot[key] !== null && !isRecord(shoot[key])) {
      return { error: `cluster ${name}: spec.shoot.${key} is not an object` };
    }
  }
  const status = decodeShootStatus(shoot.status);
  if ('error' in status) return { error: `cluster ${name}: ${status.error}` };
  const optional = (key: 'seed' | 'cloudProfile'): Record<string, unknown> | undefined => {
    const raw = spec[key];
    return isRecord(raw) ? raw : undefined;
  };
  const decodedShoot = { ...shoot, ...(status.status ? { status: status.status } : {}) } as unknown as Shoot;
  const cluster: Cluster = { name, shoot: decodedShoot, object };
  const seed = optional('seed');
  const cloudProfile = optional('cloudProfile');
  if (seed) cluster.seed = seed;
  if (cloudProfile) cluster.cloudProfile = cloudProfile;
  return { cluster };
}

/** Gardener's `IsHibernationEnabled`: `shoot.spec.hibernation.enabled == true`. */
export function isHibernationEnabled(shoot: Shoot): boolean {
  return shoot.spec?.hibernation?.enabled === true;
}

/** Gardener's `IsHibernated`: hibernation enabled and the shoot reports being hibernated. */
export function isHibernated(shoot: Shoot): boolean {
  return isHibernationEnabled(shoot) && shoot.status?.isHibernated === true;
}

/** Gardener's `IsHibernatingOrWakingUp`: the wish differs from the state (nodes may be missing). */
export function isHibernatingOrWakingUp(shoot: Shoot): boolean {
  return isHibernationEnabled(shoot) !== (shoot.status?.isHibernated === true);
}

/** Gardener's `IsShootFailed`: the shoot's last operation is in state `Failed`. */
export function isShootFailed(shoot: Shoot): boolean {
  return shoot.status?.lastOperation?.state === operationStates.failed;
}

/** Gardener's `ShootNeedsForceDeletion`: the force-deletion annotation parses as true (Go's ParseBool). */
export function isShootForceDeletion(shoot: Shoot): boolean {
  const value = shoot.metadata.annotations?.[forceDeletionAnnotation];
  return value !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/** The shoot's Kubernetes version (`spec.kubernetes.version`), or undefined when it does not say. */
export function shootKubernetesVersion(shoot: Shoot): string | undefined {
  const kubernetes = shoot.spec?.kubernetes;
  if (typeof kubernetes !== 'object' || kubernetes === null) return undefined;
  const version = (kubernetes as { version?: unknown }).version;
  return typeof version === 'string' && version !== '' ? version : undefined;
}
