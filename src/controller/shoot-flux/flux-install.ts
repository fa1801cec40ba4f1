import type { FluxReleaseBundle } from '../../flux/install/bundle.js';
import { hashManifests } from '../../flux/install/hash.js';
import type { FluxInstallOptions } from '../../flux/install/options.js';
import { renderInstallManifests } from '../../flux/install/render.js';
import {
  buildInstallReadinessTargets,
  evaluateInstallReadiness,
  findMissingInstallObjects,
  type InstallReadiness,
  type InstallReadinessTargets,
} from '../../kube/workload-readiness.js';
import type { Logger } from '../../log/logger.js';
import { applyObjects, type AppliedObject } from '../../kube/apply.js';
import type { KubeRawClient } from '../../kube/raw-client.js';
import { encodePathSegment } from '../../kube/rest-mapper.js';
import { waitForCollections } from '../../kube/watch.js';

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
  readonly readiness: InstallReadiness;
}

const crdCollection = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const fluxLabelSelector = 'app.kubernetes.io/part-of=flux';

function deploymentCollection(namespace: string): string {
  return `/apis/apps/v1/namespaces/${encodePathSegment(namespace, 'namespace')}/deployments`;
}

/** Reads the installation's CRDs and controller Deployments once (two lists), without waiting. */
export async function readFluxInstallObjects(
  shoot: KubeRawClient,
  targets: InstallReadinessTargets,
  signal?: AbortSignal,
): Promise<{ crds: unknown[]; deployments: unknown[] }> {
  const list = async (path: string, labelSelector?: string) => {
    const { body } = await shoot.request({
      method: 'GET',
      path,
      query: { labelSelector },
      signal,
      verb: 'list',
      object: path,
    });
    return (body as { items?: unknown[] } | undefined)?.items ?? [];
  };
  const [crds, deployments] = await Promise.all([
    list(crdCollection, fluxLabelSelector),
    list(deploymentCollection(targets.namespace)),
  ]);
  return { crds, deployments };
}

/**
 * Waits by watching until the installation is ready (every CRD Established, every controller
 * Deployment available for its generation) or the signal ends; returns the readiness either way.
 */
export async function waitForFluxInstallReady(
  shoot: KubeRawClient,
  targets: InstallReadinessTargets,
  signal: AbortSignal,
  logger?: Logger,
): Promise<InstallReadiness> {
  const outcome = await waitForCollections(shoot, {
    collections: [
      {
        path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        labelSelector: 'app.kubernetes.io/part-of=flux',
      },
      { path: deploymentCollection(targets.namespace) },
    ],
    signal,
    logger,
    evaluate: ([crds = [], deployments = []]) => {
      const readiness = evaluateInstallReadiness(targets, { crds, deployments });
      return { done: readiness.ready, progress: readiness };
    },
  });
  return outcome.progress;
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
    const missing = findMissingInstallObjects(targets, await readFluxInstallObjects(shoot, targets, signal));
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
  const readiness = await waitForFluxInstallReady(shoot, targets, params.waitSignal ?? signal, logger);
  if (!readiness.ready) logger.info('Flux installation not ready yet', { pending: readiness.pending });
  return { hash, applied, objects, readiness };
}
