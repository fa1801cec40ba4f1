import type { FluxReleaseBundle } from '../../flux/install/bundle.js';
import { hashManifests } from '../../flux/install/hash.js';
import type { FluxInstallOptions } from '../../flux/install/options.js';
import { renderInstallManifests } from '../../flux/install/render.js';
import { buildInstallReadinessTargets, fluxInstallLabelSelector } from '../../flux/install-readiness.js';
import type { Logger } from '../../log/logger.js';
import { applyObjects, type AppliedObject } from '../../kube/apply.js';
import type { KubeRawClient } from '../../kube/raw-client.js';
import { findMissingWorkloadObjects, type WorkloadReadiness } from '../../kube/workload-readiness.js';
import { readWorkloadObjects, waitForWorkloadsReady } from '../../kube/workload-wait.js';

/** Where release bundles come from (FluxBundleLoader in production). */
export interface FluxBundleSource {
  load(version: string, signal?: AbortSignal): Promise<FluxReleaseBundle>;
}

/** Inputs of one Flux installation into a shoot. */
export interface InstallFluxParams {
  /** Client of the shoot's API server. */
  readonly shoot: KubeRawClient;
  readonly bundles: FluxBundleSource;
  readonly options: FluxInstallOptions;
  /** Hash of the install set of the last successful install into this shoot, if any. */
  readonly previousHash?: string;
  /** The caller's deadline of the whole installation. */
  readonly signal: AbortSignal;
  /** Ends the wait for readiness, which then reports progress (default `signal`). */
  readonly waitSignal?: AbortSignal;
  readonly logger: Logger;
}

/** Outcome of installFlux: the set's hash, whether anything was sent, and readiness. */
export interface InstallFluxResult {
  readonly hash: string;
  /** False when the rendered set equals the previous one: nothing was sent. */
  readonly applied: boolean;
  /** Per object: created, updated or unchanged (empty when nothing was sent). */
  readonly objects: readonly AppliedObject[];
  readonly readiness: WorkloadReadiness;
}

/**
 * Installs Flux into a shoot: loads the release bundle, renders the install set, applies it with
 * server-side apply unless its hash equals `previousHash` and nothing of it is missing (a CRD or
 * controller someone deleted is put back), then waits by watching for readiness until the signal,
 * returning what is still pending instead of blocking past it. Record `hash` after a ready result
 * to skip the next identical install.
 */
export async function installFlux(params: InstallFluxParams): Promise<InstallFluxResult> {
  const { shoot, options, signal } = params;
  const logger = params.logger
    .named('flux-install')
    .child({ fluxVersion: options.version, namespace: options.namespace });
  const bundle = await params.bundles.load(options.version, signal);
  const manifests = renderInstallManifests(bundle, options);
  const hash = hashManifests(manifests);
  const targets = buildInstallReadinessTargets(manifests, options.namespace);
  let objects: AppliedObject[] = [];
  let applied = hash !== params.previousHash;
  if (!applied) {
    // Unchanged set: two lists tell whether something was deleted since (users may uninstall Flux), no writes otherwise.
    const observed = await readWorkloadObjects(shoot, targets, {
      crdLabelSelector: fluxInstallLabelSelector,
      signal,
    });
    const missing = findMissingWorkloadObjects(targets, observed);
    applied = missing.length > 0;
    if (applied) logger.info('Flux objects missing, applying again', { missing });
  }
  if (applied) {
    logger.info('Applying Flux install manifests', { objects: manifests.length, hash });
    objects = await applyObjects(shoot, manifests, { signal, logger });
    const changed = objects.filter((o) => o.result !== 'unchanged').length;
    logger.info('Applied Flux install manifests', { changed, unchanged: objects.length - changed });
  } else {
    logger.debug('Flux install manifests unchanged, not applying', { hash });
  }
  const readiness = await waitForWorkloadsReady(shoot, targets, {
    crdLabelSelector: fluxInstallLabelSelector,
    signal: params.waitSignal ?? signal,
    logger,
  });
  if (!readiness.ready) logger.info('Flux installation not ready yet', { pending: readiness.pending });
  return { hash, applied, objects, readiness };
}
