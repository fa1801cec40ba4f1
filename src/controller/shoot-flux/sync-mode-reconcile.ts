import { followsManifests } from '../../api/sync-mode.js';
import type { FluxConfig } from '../../api/types.js';
import type { Logger } from '../../log/logger.js';
import type { ActuatorContext } from '../actuator.js';
import { syncBootstrapManifests } from './manifest-sync.js';
import type { ClusterAccess } from './secret-sync.js';
import { describeSelfManaged, type SelfManagedObjects } from './self-managed-detection.js';
import { hashInstallConfig, rebootstrapAnnotation, type FluxBootstrapState } from './state.js';

/** The FluxBootstrapped condition's reason when another manager applies what the mode would. */
export const fluxSelfManagedReason = 'FluxSelfManaged';
/** The reason when `flux` changed and the mode does not follow it. */
export const configChangedReason = 'ConfigChangedAfterBootstrap';

/** What the mode's work after the bootstrap says for the FluxBootstrapped condition. */
export interface SyncModeOutcome {
  /** The state to record (the given one when nothing changed). */
  state: FluxBootstrapState;
  /** Set when the condition should say more than "bootstrapped". */
  reason?: string;
  message?: string;
}

/** Inputs of one reconcile of a bootstrapped shoot's mode. */
export interface SyncModeParams {
  context: ActuatorContext;
  config: FluxConfig;
  shoot: ClusterAccess;
  state: FluxBootstrapState;
  logger: Logger;
}

/**
 * The mode's work on a bootstrapped shoot, after secrets and shoot-info: `ManifestsOnly` and
 * `Full` re-apply the source and Kustomization when they changed or drifted (nothing is sent
 * otherwise) and leave them alone when Flux manages them itself; `ManifestsOnly` says when `flux`
 * changed, since it keeps the installation as installed. `Once` does nothing here.
 */
export async function reconcileSyncModeManifests(params: SyncModeParams): Promise<SyncModeOutcome> {
  const { context, config, shoot, logger } = params;
  let state = params.state;
  if (!followsManifests(config.syncMode)) return { state };
  const result = await syncBootstrapManifests({
    shoot,
    config,
    recorded: state.manifests,
    signal: context.signal,
    logger,
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
  if (result.selfManaged) return { state, ...describeSelfManagedOutcome(context, result.selfManaged) };
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

/** The FluxSelfManaged condition text, with an Event (the recorder folds repeats into a count). */
export function describeSelfManagedOutcome(
  context: ActuatorContext,
  found: SelfManagedObjects,
): { reason: string; message: string } {
  const message = describeSelfManaged(found);
  context.events.event('Normal', fluxSelfManagedReason, message);
  return { reason: fluxSelfManagedReason, message };
}
