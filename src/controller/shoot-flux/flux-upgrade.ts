import type { FluxVersionOrigin } from '../../api/evaluate.js';
import type { FluxConfig } from '../../api/types.js';
import { hashManifests } from '../../flux/install/hash.js';
import { buildFluxInstallOptions } from '../../flux/install/options.js';
import { renderInstallManifests } from '../../flux/install/render.js';
import { buildInstallReadinessTargets, fluxInstallLabelSelector } from '../../flux/install-readiness.js';
import {
  evaluateWorkloadReadiness,
  type WorkloadReadiness as InstallReadiness,
  type WorkloadTargets as InstallReadinessTargets,
} from '../../kube/workload-readiness.js';
import type { Shoot } from '../../gardener/types.js';
import {
  decodeMaintenanceWindow,
  describeMaintenanceWindow,
  isInMaintenanceWindow,
  nextMaintenanceWindowStart,
} from '../../gardener/maintenance-window.js';
import { applyObjects } from '../../kube/apply.js';
import { migrateCrdStorage, type CrdStorageMigration } from '../../kube/crd-storage-migration.js';
import type { FluxBundleSource } from './flux-install.js';
import { encodePathSegment } from '../../kube/rest-mapper.js';
import { waitForCollections } from '../../kube/watch.js';
import type { Logger } from '../../log/logger.js';
import { syncObjects } from './object-sync.js';
import type { ClusterAccess } from './secret-sync.js';
import type { SelfManagedObjects } from './self-managed-detection.js';
import { hashInstallConfig, type FluxBootstrapState, type FluxUpgradeState } from './state.js';
import type { UpgradeSlots } from './upgrade-slots.js';

/** How an upgrade ended, for the metrics. */
export type FluxUpgradeResult = 'success' | 'failure';

/** Inputs of one `Full` reconcile of the installation. */
export interface FullInstallParams {
  key: string;
  config: FluxConfig;
  /** Where `flux.version` came from: only a changed default waits for the maintenance window. */
  versionOrigin: FluxVersionOrigin;
  shoot: Shoot;
  access: ClusterAccess;
  state: FluxBootstrapState;
  bundles: FluxBundleSource;
  /** The pull secret's name in the shoot, when `flux.imagePullSecret` is set. */
  imagePullSecret?: string;
  slots: UpgradeSlots;
  now: Date;
  signal: AbortSignal;
  /** Ends the rollout wait of this reconcile (the wait resumes in the next one). */
  waitSignal: AbortSignal;
  logger: Logger;
  observeUpgrade?: (result: FluxUpgradeResult, seconds: number) => void;
}

/** What a `Full` reconcile of the installation came to. */
export type FullInstallOutcome =
  /** The installation is as configured (applied or not); `upgraded` when this run finished an upgrade. */
  | {
      kind: 'synced';
      state: FluxBootstrapState;
      upgraded?: FluxUpgradeState;
      migrations: CrdStorageMigration[];
      selfManaged?: SelfManagedObjects;
      /**
       * Objects the apply created or changed. An apply that changes nothing (a set whose objects
       * another manager took over is re-hashed, say) repaired nothing and does not say so.
       */
      changedObjects: number;
    }
  /** An upgrade waits (the maintenance window, a free slot); the installed version stays. */
  | { kind: 'pending'; state: FluxBootstrapState; message: string; retryAt?: Date }
  /** Applied, not available yet: requeue and watch the Deployments. */
  | { kind: 'rolling-out'; state: FluxBootstrapState; pending: readonly string[] };

/** A rollout that does not become available: the Deployment's own words, never a silent half-upgrade. */
export class FluxRolloutFailedError extends Error {
  override readonly name = 'FluxRolloutFailedError';
}

/** The rollout problems that will not resolve by waiting (a stopped rollout, a replica failure). */
function findFailedRollouts(readiness: InstallReadiness): string[] {
  return readiness.pending.filter((p) => / (not progressing|replica failure): /.test(p));
}

/**
 * Waits by watching until the installation is available for its new generation, or a rollout
 * stopped (then at once: waiting longer cannot help), or the signal ends.
 */
async function waitForRollout(
  access: ClusterAccess,
  targets: InstallReadinessTargets,
  signal: AbortSignal,
  logger: Logger,
): Promise<InstallReadiness> {
  const outcome = await waitForCollections(access.client, {
    collections: [
      {
        path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        labelSelector: fluxInstallLabelSelector,
      },
      { path: `/apis/apps/v1/namespaces/${encodePathSegment(targets.namespace, 'namespace')}/deployments` },
    ],
    signal,
    logger,
    evaluate: ([crds = [], deployments = []]) => {
      const readiness = evaluateWorkloadReadiness(targets, { crds, deployments });
      return { done: readiness.ready || findFailedRollouts(readiness).length > 0, progress: readiness };
    },
  });
  return outcome.progress;
}

/** Why an upgrade that only a changed default brings may not start now, or undefined when it may. */
function checkMaintenanceWindow(
  shoot: Shoot,
  version: string,
  now: Date,
): { message: string; retryAt?: Date } | undefined {
  const maintenance = shoot.spec?.maintenance as { timeWindow?: unknown } | undefined;
  const window = decodeMaintenanceWindow(maintenance?.timeWindow);
  if ('error' in window) {
    // Never at a time the owner did not choose: a window we cannot read counts as closed.
    return {
      message: `Flux ${version} pending: the shoot's maintenance window is unusable (${window.error})`,
    };
  }
  if (isInMaintenanceWindow(window, now)) return undefined;
  return {
    message: `Flux ${version} pending until the maintenance window ${describeMaintenanceWindow(window)}`,
    retryAt: nextMaintenanceWindowStart(window, now),
  };
}

/**
 * `Full`: keeps the installation as configured. The desired version is `flux.version` (the
 * providerConfig's or the landscape default). An explicit change is applied at once; one that only
 * the default brings waits for the shoot's maintenance window; either waits for a free upgrade
 * slot. Before an upgrade's CRDs are applied, objects stored in versions the new CRDs drop are
 * migrated. Install objects that were deleted or whose fields we set were changed are applied
 * again; objects another manager applies are left alone; nothing is sent in a steady state.
 * After applying, waits by watching until the controllers are available; a stopped rollout is an
 * error with the Deployment's message.
 */
export async function reconcileFullInstallation(params: FullInstallParams): Promise<FullInstallOutcome> {
  const { config, state, slots, key, now } = params;
  const installed = state.fluxVersion ?? config.flux.version;
  const desired = config.flux.version;
  const resuming = state.upgrade?.to === desired;
  const upgrading = desired !== installed;
  if (upgrading && !resuming && params.versionOrigin !== 'providerConfig') {
    const closed = checkMaintenanceWindow(params.shoot, desired, now);
    if (closed) return { kind: 'pending', state, ...closed };
  }
  if (upgrading && !slots.tryAcquire(key)) {
    return {
      kind: 'pending',
      state,
      message: `Flux ${desired} upgrade waits for a free slot: ${slots.size} of ${slots.limit} upgrades are running`,
    };
  }
  const version = desired;
  const upgrade: FluxUpgradeState | undefined = upgrading
    ? (state.upgrade ?? { from: installed, to: desired, startedAt: now.toISOString() })
    : undefined;
  try {
    return await applyInstallation(params, version, upgrade);
  } catch (err) {
    if (upgrade) {
      slots.release(key);
      params.observeUpgrade?.('failure', elapsedSeconds(upgrade, now));
    }
    throw err;
  }
}

function elapsedSeconds(upgrade: FluxUpgradeState, now: Date): number {
  const started = Date.parse(upgrade.startedAt);
  return Number.isNaN(started) ? 0 : Math.max(0, (now.getTime() - started) / 1000);
}

async function applyInstallation(
  params: FullInstallParams,
  version: string,
  upgrade: FluxUpgradeState | undefined,
): Promise<FullInstallOutcome> {
  const { access, config, signal, logger } = params;
  let state = params.state;
  const bundle = await params.bundles.load(version, signal);
  const manifests = renderInstallManifests(
    bundle,
    buildFluxInstallOptions({
      ...config.flux,
      version,
      ...(params.imagePullSecret !== undefined ? { imagePullSecret: params.imagePullSecret } : {}),
    }),
  );
  const migrations = upgrade ? await migrateCrdStorage(access.client, manifests, { signal, logger }) : [];
  const result = await syncObjects({
    shoot: access,
    objects: manifests,
    // An upgrade's set differs from the recorded one and is applied; a resumed one matches it.
    recorded: state.install,
    signal,
    logger: logger.named('install-sync'),
    // Every install object carries it; CRDs are shared by every Flux namespace of a cluster.
    labelSelector: fluxInstallLabelSelector,
    apply: (objects) => applyObjects(access.client, objects, { signal, logger, mapper: access.mapper }),
  });
  if (upgrade) state = { ...state, upgrade };
  const self = result.selfManaged ? { selfManaged: result.selfManaged } : {};
  if (result.applied.length === 0 && !upgrade) {
    return { kind: 'synced', state, migrations, changedObjects: 0, ...self };
  }
  state = { ...state, ...(result.record ? { install: result.record } : {}) };
  const targets = buildInstallReadinessTargets(manifests, config.flux.namespace);
  const readiness = await waitForRollout(access, targets, params.waitSignal, logger);
  if (!readiness.ready) {
    const failed = findFailedRollouts(readiness);
    if (failed.length > 0) {
      throw new FluxRolloutFailedError(`Flux ${version} rollout failed: ${failed.join('; ')}`);
    }
    return { kind: 'rolling-out', state, pending: readiness.pending };
  }
  const finished = {
    ...state,
    fluxVersion: version,
    installHash: hashManifests(manifests),
    installConfigHash: hashInstallConfig(config),
  };
  delete finished.upgrade;
  if (upgrade) {
    params.slots.release(params.key);
    params.observeUpgrade?.('success', elapsedSeconds(upgrade, params.now));
    logger.info('Flux upgraded', { from: upgrade.from, to: upgrade.to, migrations: migrations.length });
  }
  return {
    kind: 'synced',
    state: finished,
    migrations,
    changedObjects: result.applied.filter((applied) => applied.result !== 'unchanged').length,
    ...(upgrade ? { upgraded: upgrade } : {}),
    ...self,
  };
}
