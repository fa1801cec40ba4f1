import { readObject } from '../../kube/objects.js';
import { bootstrappedMessage, bootstrappedReason, writeBootstrapped } from './bootstrap-status.js';
import { applyShootInfo, syncShootSecrets } from './shoot-sync.js';
import { isNewBootstrappedReason } from './steady-events.js';
import { inStep, type ShootFluxRuntime, type ShootReconcile } from './shoot-reconcile.js';
import { hashBootstrapConfig, readBootstrapState, rebootstrapAnnotation } from './state.js';

/**
 * The reconcile of a bootstrapped shoot: secrets and shoot-info only; says so when the config
 * changed since the bootstrap, and when Flux's namespace is gone (uninstalled).
 */
export async function reconcileBootstrapped(runtime: ShootFluxRuntime, run: ShootReconcile): Promise<void> {
  const { context, config, cluster, shoot } = run;
  const { extension, logger, events, signal } = context;
  const state = readBootstrapState(extension);
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
    if (state.configHash !== undefined && state.configHash !== configHash) {
      reason = 'ConfigChangedAfterBootstrap';
      message =
        `${bootstrappedMessage} The providerConfig changed since; the change is not applied because the ` +
        `bootstrap runs once. Annotate the Extension with ${rebootstrapAnnotation}=true to bootstrap again.`;
      if (isNewBootstrappedReason(context, reason)) events.event('Normal', reason, message);
    }
  }
  await writeBootstrapped(context, reason, message, state, runtime.now());
}
