import { managedByLabelKey, managedByLabelValue, shootInfoConfigMapName } from '../api/constants.js';

/** The facts about a shoot that `shoot-info` publishes. */
export interface ShootInfo {
  name: string;
  /** `shoot.status.clusterIdentity`; missing on young shoots. */
  clusterIdentity?: string;
  /** `shoot.status.technicalID` */
  technicalID?: string;
  /** The `--garden-cluster-identity` flag. */
  gardenClusterIdentity: string;
}

/** A ConfigMap as the shoot receives it. */
export interface ShootInfoConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; labels: Record<string, string>; [field: string]: unknown };
  data: Record<string, string>;
  [field: string]: unknown;
}

/**
 * The `shoot-info` ConfigMap in the Flux namespace, for Kustomizations that substitute shoot
 * facts (`postBuild.substituteFrom`). Missing identities are empty values, never a crash; a
 * ConfigMap holds only strings, so a value of another type that got this far is left empty
 * rather than failing the apply.
 */
export function buildShootInfoConfigMap(namespace: string, info: ShootInfo): ShootInfoConfigMap {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: shootInfoConfigMapName,
      namespace,
      labels: { [managedByLabelKey]: managedByLabelValue },
    },
    data: {
      SHOOT_INFO_CLUSTER_IDENTITY: text(info.clusterIdentity),
      SHOOT_INFO_NAME: text(info.name),
      SHOOT_INFO_TECHNICAL_ID: text(info.technicalID),
      SHOOT_INFO_GARDEN_CLUSTER_IDENTITY: text(info.gardenClusterIdentity),
    },
  };
}

/**
 * Whether the shoot's live `shoot-info` already says what `desired` says: the same data keys
 * and values, and our managed-by label. Labels or annotations others added do not count, so a
 * steady reconcile sends no write for an object nobody changed.
 */
export function isShootInfoCurrent(live: unknown, desired: ShootInfoConfigMap): boolean {
  if (typeof live !== 'object' || live === null) return false;
  const { data, metadata } = live as { data?: unknown; metadata?: { labels?: Record<string, unknown> } };
  if (typeof data !== 'object' || data === null) return false;
  const liveData = data as Record<string, unknown>;
  const wanted = Object.entries(desired.data);
  if (Object.keys(liveData).length !== wanted.length) return false;
  if (wanted.some(([key, value]) => liveData[key] !== value)) return false;
  const labels = metadata?.labels ?? {};
  return Object.entries(desired.metadata.labels).every(([key, value]) => labels[key] === value);
}
