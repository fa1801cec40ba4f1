import { readObject } from '../../kube/objects.js';
import { bootstrappedMessage, bootstrappedReason, writeBootstrapped } from './bootstrap-status.js';
import { applyShootInfo, syncShootSecrets } from './shoot-sync.js';
import { isNewBootstrappedReason } from './steady-events.js';
import {
  defaultRequeueAfterMs,
  inStep,
  keyOf,
  type ShootFluxRuntime,
  type ShootReconcile,
} from './shoot-reconcile.js';
import {
  hashBootstrapConfig,
  readBootstrapState,
  rebootstrapAnnotation,
  type FluxBootstrapState,
} from './state.js';
import {
  describeSyncModeOutcomes,
  reconcileSyncModeInstallation,
  reconcileSyncModeManifests,
  type SyncModeOutcome,
} from './sync-mode-reconcile.js';
import { checkShootRunsFlux } from './kubernetes-preflight.js';
import { resolveImagePullSecretName } from '../../api/flux-install-options.js';
import { followsInstallation } from '../../api/sync-mode.js';
import { encodePathSegment } from '../../kube/rest-mapper.js';
import { startDeadline } from '../deadline.js';

/** `Full`: the installation as configured, upgrades included (other modes: nothing). */
async function reconcileInstallation(
  runtime: ShootFluxRuntime,
  run: ShootReconcile,
  state: FluxBootstrapState,
): Promise<SyncModeOutcome> {
  const { context, config, cluster, shoot, shootResources, versionOrigin } = run;
  if (!followsInstallation(config.syncMode)) return { state };
  checkShootRunsFlux(config.flux.version, cluster.shoot);
  const key = keyOf(context.extension);
  const imagePullSecret = resolveImagePullSecretName(config.flux, shootResources);
  const deadline = startDeadline(runtime.options.waitBudgetMs, [context.signal]);
  try {
    return await reconcileSyncModeInstallation(
      {
        context,
        config,
        shoot,
        state,
        logger: context.logger,
        key,
        versionOrigin,
        cluster,
        ...(imagePullSecret !== undefined ? { imagePullSecret } : {}),
      },
      {
        bundles: runtime.options.bundles,
        slots: runtime.upgradeSlots,
        delayed: runtime.delayed,
        wakeOnDeployments: () => {
          runtime.waker.wakeOnChange(key, 'flux-install', shoot.client, [
            {
              path: `/apis/apps/v1/namespaces/${encodePathSegment(config.flux.namespace, 'namespace')}/deployments`,
            },
          ]);
        },
        requeueAfterMs: runtime.options.requeueAfterMs ?? defaultRequeueAfterMs,
        now: runtime.now(),
        waitSignal: deadline.signal,
        ...(runtime.options.observeUpgrade ? { observeUpgrade: runtime.options.observeUpgrade } : {}),
      },
    );
  } finally {
    deadline.dispose();
  }
}

/**
 * The reconcile of a bootstrapped shoot: secrets and shoot-info only; says so when the config
 * changed since the bootstrap, and when Flux's namespace is gone (uninstalled).
 */
export async function reconcileBootstrapped(runtime: ShootFluxRuntime, run: ShootReconcile): Promise<void> {
  const { context, config, cluster, shoot } = run;
  const { extension, logger, events, signal } = context;
  let state = readBootstrapState(extension);
  const namespace = await inStep('reading the Flux namespace', () =>
    readObject(
      shoot.client,
      shoot.mapper,
      { apiVersion: 'v1', kind: 'Namespace', name: config.flux.namespace },
      signal,
    ),
  );
  let message = bootstrappedMessage;
  let reason = bootstrappedReason;
  const terminating = Boolean(
    (namespace as { metadata?: { deletionTimestamp?: string } } | undefined)?.metadata?.deletionTimestamp,
  );
  if (!namespace || terminating) {
    // Users may uninstall Flux; failing every reconcile (and so the shoot's) helps nobody.
    reason = 'FluxNamespaceMissing';
    message =
      `Flux was bootstrapped, but its namespace ${config.flux.namespace} no longer exists in the shoot ` +
      '(uninstalled?); secrets and shoot-info are not synced.';
    logger.warn('Flux namespace missing in the shoot', { namespace: config.flux.namespace });
    if (isNewBootstrappedReason(context, reason)) events.event('Warning', reason, message);
  } else {
    logger.debug('Flux installation has been bootstrapped already, reconciling secrets and shoot-info only');
    await inStep('syncing secrets', () => syncShootSecrets(runtime, run));
    await inStep('applying shoot-info', () => applyShootInfo(runtime, config, cluster, shoot, signal, true));
    const configHash = hashBootstrapConfig(config);
    const installation = await inStep('keeping the Flux installation', () =>
      reconcileInstallation(runtime, run, state),
    );
    state = installation.state;
    const followed = await inStep('applying the source and Kustomization', () =>
      reconcileSyncModeManifests({ context, config, shoot, state, logger, bundles: runtime.options.bundles }),
    );
    state = followed.state;
    const said = describeSyncModeOutcomes(context, installation, followed);
    if (said.reason !== undefined && said.message !== undefined) {
      reason = said.reason;
      message = said.message;
    } else if (
      config.syncMode === 'Once' &&
      state.configHash !== undefined &&
      state.configHash !== configHash
    ) {
      reason = 'ConfigChangedAfterBootstrap';
      message =
        `${bootstrappedMessage} The providerConfig changed since; the change is not applied because the ` +
        `bootstrap runs once. Annotate the Extension with ${rebootstrapAnnotation}=true to bootstrap again.`;
      if (isNewBootstrappedReason(context, reason)) events.event('Normal', reason, message);
    }
  }
  await writeBootstrapped(context, reason, message, state, runtime.now());
}
