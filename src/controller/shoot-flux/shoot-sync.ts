import type { FluxConfig } from '../../api/types.js';
import { buildSecretPlan } from '../../flux/secret-plan.js';
import { buildShootInfoConfigMap } from '../../flux/shoot-info.js';
import type { Cluster } from '../../gardener/types.js';
import { applyObject, type ApplyResult } from '../../kube/apply.js';
import { ensureShootInfo } from './shoot-info-sync.js';
import { syncSecrets, type ClusterAccess, type SecretSyncResult } from './secret-sync.js';
import type { ShootFluxRuntime, ShootReconcile } from './shoot-reconcile.js';
import { buildSecretOwnershipPatch, readSecretOwnership } from './state.js';

/** Applies the shoot-info ConfigMap (shoot name, identities) into the Flux namespace. */
export async function applyShootInfo(
  runtime: ShootFluxRuntime,
  config: FluxConfig,
  cluster: Cluster,
  shoot: ClusterAccess,
  signal: AbortSignal,
  /** The shoot is bootstrapped: write only when the live ConfigMap differs (a resync writes nothing). */
  steady = false,
): Promise<ApplyResult> {
  const configMap = buildShootInfoConfigMap(config.flux.namespace, {
    name: cluster.shoot.metadata.name,
    clusterIdentity: cluster.shoot.status?.clusterIdentity,
    technicalID: cluster.shoot.status?.technicalID,
    gardenClusterIdentity: runtime.options.gardenClusterIdentity,
  });
  if (steady) return ensureShootInfo(shoot, configMap, signal);
  return (await applyObject(shoot.client, configMap, { signal, mapper: shoot.mapper })).result;
}

/** Syncs the referenced seed secrets into the shoot, recording which ones the extension owns. */
export async function syncShootSecrets(
  runtime: ShootFluxRuntime,
  { context, config, shoot, shootResources }: ShootReconcile,
): Promise<SecretSyncResult> {
  return syncSecrets({
    seed: runtime.seed,
    shoot,
    seedNamespace: context.extension.metadata.namespace ?? '',
    plan: buildSecretPlan(config, shootResources),
    ownership: readSecretOwnership(context.status.current),
    recordOwnership: (ownership) => context.status.patch({ state: buildSecretOwnershipPatch(ownership) }),
    signal: context.signal,
    logger: context.logger,
  });
}
