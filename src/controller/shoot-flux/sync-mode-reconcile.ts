import type { FluxVersionOrigin } from '../../api/evaluate.js';
import { followsInstallation, followsManifests } from '../../api/sync-mode.js';
import type { FluxConfig } from '../../api/types.js';
import type { Cluster } from '../../gardener/types.js';
import { buildTemplateSchemas } from '../../flux/crd-schemas.js';
import type { FluxBundleSource } from './flux-install.js';
import type { Logger } from '../../log/logger.js';
import type { ActuatorContext } from '../actuator.js';
import { RequeueAfterError } from '../errors.js';
import type { DelayedEnqueue } from './delayed-enqueue.js';
import { reconcileFullInstallation, type FluxUpgradeResult } from './flux-upgrade.js';
import type { UpgradeSlots } from './upgrade-slots.js';
import { syncBootstrapManifests } from './manifest-sync.js';
import type { ClusterAccess } from './secret-sync.js';
import { describeSelfManaged, mergeSelfManaged, type SelfManagedObjects } from './self-managed-detection.js';
import { findCondition } from '../../gardener/condition.js';
import {
  buildStatePatch,
  fluxBootstrappedCondition,
  hashInstallConfig,
  rebootstrapAnnotation,
  type FluxBootstrapState,
} from './state.js';

/** The FluxBootstrapped condition's reason when another manager applies what the mode would. */
export const fluxSelfManagedReason = 'FluxSelfManaged';
/** The reason when `flux` changed and the mode does not follow it. */
export const configChangedReason = 'ConfigChangedAfterBootstrap';

/** What the mode's work after the bootstrap says for the FluxBootstrapped condition. */
export interface SyncModeOutcome {
  /** The state to record (the given one when nothing changed). */
  state: FluxBootstrapState;
  /** Set when the condition should say more than "bootstrapped" (and more than self-management). */
  reason?: string;
  message?: string;
  /** Objects another manager applies, left alone; see {@link describeSyncModeOutcomes}. */
  selfManaged?: SelfManagedObjects;
}

/** Inputs of one reconcile of a bootstrapped shoot's mode. */
export interface SyncModeParams {
  context: ActuatorContext;
  config: FluxConfig;
  shoot: ClusterAccess;
  state: FluxBootstrapState;
  logger: Logger;
}

/** Inputs of one re-apply of the source and Kustomization of a bootstrapped shoot. */
export interface ManifestsSyncParams extends SyncModeParams {
  /** Where the installed version's release bundle comes from (its CRDs prune the templates). */
  bundles: FluxBundleSource;
}

/**
 * The mode's work on a bootstrapped shoot, after secrets and shoot-info: `ManifestsOnly` and
 * `Full` re-apply the source and Kustomization when they changed or drifted (nothing is sent
 * otherwise) and leave them alone when Flux manages them itself; `ManifestsOnly` says when `flux`
 * changed, since it keeps the installation as installed. `Once` does nothing here.
 */
export async function reconcileSyncModeManifests(params: ManifestsSyncParams): Promise<SyncModeOutcome> {
  const { context, config, shoot, logger } = params;
  let state = params.state;
  if (!followsManifests(config.syncMode)) return { state };
  // The CRDs in the shoot are those of the installed version (in Full, after this reconcile's
  // upgrade, if any), which is not the configured one while an upgrade waits.
  const installed = state.fluxVersion ?? config.flux.version;
  const result = await syncBootstrapManifests({
    shoot,
    config,
    recorded: state.manifests,
    signal: context.signal,
    logger,
    loadSchemas: async () => buildTemplateSchemas(await params.bundles.load(installed, context.signal)),
  });
  if (result.record !== state.manifests) state = { ...state, manifests: result.record };
  const changed = result.applied.filter((applied) => applied.result !== 'unchanged');
  if (changed.length > 0) {
    context.events.event(
      'Normal',
      'FluxManifestsApplied',
      `Applied ${changed.map((a) => a.object).join(', ')} from the providerConfig (${result.cause ?? 'changed'})`,
    );
  }
  if (result.selfManaged) return { state, selfManaged: result.selfManaged };
  if (
    config.syncMode === 'ManifestsOnly' &&
    state.installConfigHash !== undefined &&
    state.installConfigHash !== hashInstallConfig(config)
  ) {
    return {
      state,
      reason: configChangedReason,
      message:
        'Flux has been bootstrapped; the source and the Kustomization follow the providerConfig. flux ' +
        'changed since the installation and is not applied: syncMode ManifestsOnly keeps the installation ' +
        `as installed. Set syncMode: Full, or annotate the Extension with ${rebootstrapAnnotation}=true.`,
    };
  }
  return { state };
}

/**
 * What the FluxBootstrapped condition says after the installation's and the manifests' work of one
 * reconcile: a pending upgrade first; else one FluxSelfManaged naming every object another manager
 * applies, the source and Kustomization before the installation (in `Full` with `flux bootstrap`'s
 * pattern both are, and two reports would take turns in the condition and write an Event on every
 * reconcile); else what the manifests said. Nothing to say: undefined reason and message.
 */
export function describeSyncModeOutcomes(
  context: ActuatorContext,
  installation: SyncModeOutcome,
  manifests: SyncModeOutcome,
): { reason?: string; message?: string } {
  if (installation.reason !== undefined)
    return { reason: installation.reason, message: installation.message };
  const selfManaged = mergeSelfManaged(manifests.selfManaged, installation.selfManaged);
  if (selfManaged) return describeSelfManagedOutcome(context, selfManaged);
  return { reason: manifests.reason, message: manifests.message };
}

/**
 * The FluxSelfManaged condition text, with an Event only when the condition does not say it yet:
 * a resync of a self-managed shoot must not write an Event each time.
 */
function describeSelfManagedOutcome(
  context: ActuatorContext,
  found: SelfManagedObjects,
): { reason: string; message: string } {
  const message = describeSelfManaged(found);
  const current = findCondition(context.status.current.status?.conditions, fluxBootstrappedCondition);
  if (current?.reason !== fluxSelfManagedReason || current.message !== message) {
    context.events.event('Normal', fluxSelfManagedReason, message);
  }
  return { reason: fluxSelfManagedReason, message };
}

/** The FluxBootstrapped reason while an upgrade waits for the maintenance window or a slot. */
export const fluxUpgradePendingReason = 'FluxUpgradePending';

/** What the `Full` reconcile of the installation needs from the actuator besides the shoot. */
export interface InstallationSyncDependencies {
  bundles: FluxBundleSource;
  slots: UpgradeSlots;
  delayed: DelayedEnqueue;
  /** Wakes the key when a Deployment in the Flux namespace changes (the rollout wait across requeues). */
  wakeOnDeployments: () => void;
  requeueAfterMs: number;
  now: Date;
  waitSignal: AbortSignal;
  observeUpgrade?: (result: FluxUpgradeResult, seconds: number) => void;
}

/** Inputs of one `Full` reconcile of a bootstrapped shoot's installation. */
export interface InstallationSyncParams extends SyncModeParams {
  key: string;
  versionOrigin: FluxVersionOrigin;
  cluster: Cluster;
  imagePullSecret?: string;
}

/**
 * `Full` after the bootstrap: the installation as configured (see reconcileFullInstallation),
 * with what it did in Events, a pending upgrade in the condition (and the key enqueued at the
 * window's start), a rollout in progress as a requeue that watches the Deployments (the state,
 * which resumes it, recorded first). Other modes do nothing here.
 */
export async function reconcileSyncModeInstallation(
  params: InstallationSyncParams,
  dependencies: InstallationSyncDependencies,
): Promise<SyncModeOutcome> {
  const { context, config, logger, key } = params;
  if (!followsInstallation(config.syncMode)) return { state: params.state };
  dependencies.delayed.cancel(key);
  const outcome = await reconcileFullInstallation({
    key,
    config,
    versionOrigin: params.versionOrigin,
    shoot: params.cluster.shoot,
    access: params.shoot,
    state: params.state,
    bundles: dependencies.bundles,
    ...(params.imagePullSecret !== undefined ? { imagePullSecret: params.imagePullSecret } : {}),
    slots: dependencies.slots,
    now: dependencies.now,
    signal: context.signal,
    waitSignal: dependencies.waitSignal,
    logger,
    ...(dependencies.observeUpgrade ? { observeUpgrade: dependencies.observeUpgrade } : {}),
  });
  switch (outcome.kind) {
    case 'pending':
      if (outcome.retryAt) dependencies.delayed.schedule(key, outcome.retryAt, dependencies.now);
      logger.info('Flux upgrade pending', { reason: outcome.message });
      return { state: outcome.state, reason: fluxUpgradePendingReason, message: outcome.message };
    case 'rolling-out':
      await context.status.patch({ state: buildStatePatch(outcome.state, params.state) });
      dependencies.wakeOnDeployments();
      throw new RequeueAfterError(
        dependencies.requeueAfterMs,
        `waiting for the Flux ${config.flux.version} rollout: ${outcome.pending.join(', ')}`,
      );
    case 'synced':
      for (const migration of outcome.migrations) {
        context.events.event(
          'Normal',
          'FluxStorageMigrated',
          `Rewrote ${migration.objects} objects of ${migration.crd} from ${migration.from.join(', ')} to ${migration.to}`,
        );
      }
      if (outcome.upgraded) {
        context.events.event(
          'Normal',
          'FluxUpgraded',
          `Upgraded Flux from ${outcome.upgraded.from} to ${outcome.upgraded.to}`,
        );
      } else if (outcome.changedObjects > 0) {
        context.events.event('Normal', 'FluxInstallationRepaired', 'Applied the Flux installation again');
      }
      return { state: outcome.state, ...(outcome.selfManaged ? { selfManaged: outcome.selfManaged } : {}) };
  }
}
