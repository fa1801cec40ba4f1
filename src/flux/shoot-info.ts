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
