import { resolveImagePullSecretName } from '../../api/flux-install-options.js';
import type { SourceObject } from '../../api/types.js';
import { buildBootstrapObjects } from '../../flux/bootstrap-objects.js';
import { buildFluxInstallOptions } from '../../flux/install/options.js';
import { applyObject, type AppliedObject } from '../../kube/apply.js';
import { mergePatchObject } from '../../kube/objects.js';
import { encodePathSegment } from '../../kube/rest-mapper.js';
import { startDeadline } from '../deadline.js';
import { ConfigurationError, RequeueAfterError } from '../errors.js';
import { bootstrappedMessage, bootstrappedReason, writeBootstrapped } from './bootstrap-status.js';
import { installFlux } from './flux-install.js';
import {
  describeFluxObject,
  describeWaits,
  resolveFluxObjectCollection,
  waitForFluxObjects,
  type FluxObject,
} from './flux-object-wait.js';
import { asInstallConfigurationError } from './install-config-error.js';
import { checkShootRunsFlux } from './kubernetes-preflight.js';
import type { SecretSyncResult } from './secret-sync.js';
import {
  defaultRequeueAfterMs,
  inStep,
  keyOf,
  type ShootFluxRuntime,
  type ShootReconcile,
} from './shoot-reconcile.js';
import { applyShootInfo, syncShootSecrets } from './shoot-sync.js';
import {
  buildStatePatch,
  hashBootstrapConfig,
  readBootstrapState,
  rebootstrapAnnotation,
  wantsRebootstrap,
  hashInstallConfig,
  type FluxBootstrapState,
} from './state.js';
import { applyTemplateObject } from './template-apply.js';
import { buildRecordedSync } from './object-sync.js';

/** Flux's annotation that requests an immediate reconcile (`flux reconcile` sets it). */
const reconcileRequestAnnotation = 'reconcile.fluxcd.io/requestedAt';

/**
 * The full bootstrap, within the wait budget. Every step is idempotent and skips work a previous
 * attempt finished; while Flux is not ready yet it throws RequeueAfterError, with a wake-up watch
 * on what it waits for.
 */
export async function bootstrap(runtime: ShootFluxRuntime, run: ShootReconcile): Promise<void> {
  const deadline = startDeadline(runtime.options.waitBudgetMs, [run.context.signal]);
  try {
    await bootstrapWithin(runtime, run, deadline.signal);
  } finally {
    deadline.dispose();
  }
}

/**
 * The controllers cannot pull their images before their pull secret exists, and the install
 * waits for them: with `flux.imagePullSecret`, the Flux namespace and the secrets come first.
 * Returns the pull secret's name in the shoot.
 */
async function syncImagePullSecretFirst(
  runtime: ShootFluxRuntime,
  run: ShootReconcile,
): Promise<string | undefined> {
  const { config, shoot, shootResources, context } = run;
  const name = resolveImagePullSecretName(config.flux, shootResources);
  if (name === undefined) return undefined;
  await applyObject(
    shoot.client,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: config.flux.namespace } },
    { signal: context.signal, mapper: shoot.mapper },
  );
  await syncShootSecrets(runtime, run);
  return name;
}

/**
 * Installs Flux (skipped when the rendered set is unchanged) after the Kubernetes-version
 * preflight, and requeues until its controllers are available. Returns the install's hash.
 */
async function installFluxInto(
  runtime: ShootFluxRuntime,
  run: ShootReconcile,
  waitSignal: AbortSignal,
): Promise<string> {
  const { context, config, cluster, shoot } = run;
  const { extension, logger, events, signal, status } = context;
  const key = keyOf(extension);
  const state = readBootstrapState(extension);
  checkShootRunsFlux(config.flux.version, cluster.shoot);
  // A requeued bootstrap with Flux installed keeps the description it has (Flux's message of the
  // last wait) instead of flashing "Installing" on every retry.
  if (state.installHash === undefined || wantsRebootstrap(extension)) {
    await status.progress(`Installing Flux ${config.flux.version}`);
  }
  const imagePullSecret = await syncImagePullSecretFirst(runtime, run);
  const install = await inStep('installing Flux', () =>
    installFlux({
      shoot: shoot.client,
      bundles: runtime.options.bundles,
      options: buildFluxInstallOptions({
        ...config.flux,
        ...(imagePullSecret !== undefined ? { imagePullSecret } : {}),
      }),
      previousHash: state.installHash,
      signal,
      waitSignal,
      logger,
    }).catch((err: unknown) => {
      throw asInstallConfigurationError(err);
    }),
  );
  if (install.hash !== state.installHash) {
    await status.patch({ state: buildStatePatch({ ...state, installHash: install.hash }) });
    events.event('Normal', 'FluxInstalled', `Applied the Flux ${config.flux.version} install manifests`);
  }
  if (!install.readiness.ready) {
    runtime.waker.wakeOnChange(key, 'flux-install', shoot.client, [
      {
        path: `/apis/apps/v1/namespaces/${encodePathSegment(config.flux.namespace, 'namespace')}/deployments`,
      },
    ]);
    throw new RequeueAfterError(
      runtime.options.requeueAfterMs ?? defaultRequeueAfterMs,
      `waiting for the Flux installation: ${install.readiness.pending.join(', ')}`,
    );
  }
  return install.hash;
}

/**
 * A credential fixed in the seed (`ref-*`) while Flux still fails must bring the next reconcile
 * at once, not the fallback requeue, and end a wait that runs (the wait shows Flux's complaint,
 * which invites the fix). Watched from before the secrets are read, so no fix slips in between.
 * The returned signal aborts on such a change.
 */
function watchSeedSecrets(runtime: ShootFluxRuntime, run: ShootReconcile): AbortSignal {
  const { extension } = run.context;
  const seedSecretChanged = new AbortController();
  runtime.waker.wakeOnChange(
    keyOf(extension),
    'seed-secrets',
    runtime.seed.client,
    [
      {
        path: `/api/v1/namespaces/${encodePathSegment(extension.metadata.namespace ?? '', 'namespace')}/secrets`,
      },
    ],
    () => {
      seedSecretChanged.abort();
    },
  );
  return seedSecretChanged.signal;
}

/**
 * Waits for the applied Flux objects: a failed one is a terminal error, a waiting one a requeue
 * with a wake-up watch on them; returns once all are ready.
 */
async function awaitFluxObjects(
  runtime: ShootFluxRuntime,
  run: ShootReconcile,
  watched: FluxObject[],
  signals: { wait: AbortSignal; interrupt: AbortSignal },
): Promise<void> {
  const { context, shoot } = run;
  const collections = await inStep('waiting for Flux objects', () =>
    Promise.all(watched.map((object) => resolveFluxObjectCollection(shoot, object, context.signal))),
  );
  const outcome = await inStep('waiting for Flux objects', () =>
    waitForFluxObjects(context, shoot, watched, collections, {
      ...signals,
      waitBudgetMs: runtime.options.waitBudgetMs,
    }),
  );
  const failed = outcome.find((r) => r.readiness.state === 'failed');
  if (failed) {
    runtime.options.observeBootstrap?.('failure', 0);
    throw new ConfigurationError(`${describeFluxObject(failed.object)} failed: ${failed.readiness.message}`);
  }
  const waiting = outcome.filter((r) => r.readiness.state !== 'ready');
  if (waiting.length > 0) {
    runtime.waker.wakeOnChange(keyOf(context.extension), 'flux-objects', shoot.client, collections);
    throw new RequeueAfterError(
      runtime.options.requeueAfterMs ?? defaultRequeueAfterMs,
      describeWaits(waiting),
    );
  }
}

async function bootstrapWithin(runtime: ShootFluxRuntime, run: ShootReconcile, waitSignal: AbortSignal) {
  const { context, config, cluster, shoot, shootResources } = run;
  const { extension, logger, events, signal } = context;
  const state = readBootstrapState(extension);
  if (state.installHash === undefined) {
    events.event('Normal', 'BootstrapStarted', `Bootstrapping Flux ${config.flux.version} into the shoot`);
  }

  const installHash = await installFluxInto(runtime, run, waitSignal);

  const objects = buildBootstrapObjects(config, shootResources);
  for (const object of objects) {
    if (object.kind !== 'Namespace') continue;
    const namespace = { ...object, metadata: { ...object.metadata } };
    await inStep('applying the namespace', () =>
      applyObject(shoot.client, namespace, { signal, mapper: shoot.mapper }),
    );
  }
  const seedSecretChanged = watchSeedSecrets(runtime, run);
  const secrets = await inStep('syncing secrets', () => syncShootSecrets(runtime, run));
  const source = config.source?.template;
  const applied: AppliedObject[] = [];
  if (source) {
    await inStep('applying the source', async () => {
      applied.push(await applyTemplateObject(shoot, source, 'source.template', signal, run.templateSchemas));
      await requestSourceReconcile(runtime, run, source, secrets);
    });
  }
  await inStep('applying shoot-info', () => applyShootInfo(runtime, config, cluster, shoot, signal));
  const kustomization = config.kustomization?.template;
  if (kustomization) {
    applied.push(
      await inStep('applying the Kustomization', () =>
        applyTemplateObject(shoot, kustomization, 'kustomization.template', signal, run.templateSchemas),
      ),
    );
  }

  const watched = [source, kustomization].filter((o): o is FluxObject => o !== undefined);
  if (watched.length > 0) {
    await awaitFluxObjects(runtime, run, watched, { wait: waitSignal, interrupt: seedSecretChanged });
    if (source) events.event('Normal', 'SourceReady', `${describeFluxObject(source)} is ready`);
    if (kustomization)
      events.event('Normal', 'KustomizationReady', `${describeFluxObject(kustomization)} is ready`);
  }

  runtime.waker.cancel(keyOf(extension));
  const bootstrappedState: FluxBootstrapState = {
    bootstrapped: true,
    bootstrappedAt: runtime.now().toISOString(),
    configHash: hashBootstrapConfig(config),
    installHash,
    fluxVersion: config.flux.version,
    installConfigHash: hashInstallConfig(config),
    // The modes that re-apply them compare with this, so the first resync sends nothing.
    ...(applied.length > 0
      ? {
          manifests: buildRecordedSync(
            [source, kustomization].filter((o) => o !== undefined),
            applied,
          ),
        }
      : {}),
  };
  await writeBootstrapped(context, bootstrappedReason, bootstrappedMessage, bootstrappedState, runtime.now());
  runtime.health?.checkExtension(context.status.current);
  const started = Date.parse(extension.metadata.creationTimestamp ?? '');
  if (!Number.isNaN(started)) {
    runtime.options.observeBootstrap?.('success', (runtime.now().getTime() - started) / 1000);
  }
  events.event('Normal', 'Bootstrapped', bootstrappedMessage);
  logger.info('Flux bootstrapped', { fluxVersion: config.flux.version });
  if (wantsRebootstrap(extension)) await runtime.options.removeAnnotation(extension, rebootstrapAnnotation);
}

/**
 * When the source's secret changed under a source that already exists (e.g. wrong credentials
 * fixed), asks source-controller to reconcile now instead of after its failure back-off.
 */
async function requestSourceReconcile(
  runtime: ShootFluxRuntime,
  { context, shoot }: ShootReconcile,
  source: SourceObject,
  secrets: SecretSyncResult,
): Promise<void> {
  const secretName = source.spec.secretRef?.name;
  if (!secretName || !secrets.updated.includes(`${source.metadata.namespace}/${secretName}`)) return;
  await mergePatchObject(
    shoot.client,
    shoot.mapper,
    {
      apiVersion: source.apiVersion,
      kind: source.kind,
      namespace: source.metadata.namespace,
      name: source.metadata.name,
    },
    { metadata: { annotations: { [reconcileRequestAnnotation]: runtime.now().toISOString() } } },
    context.signal,
  );
  context.logger.info('Asked Flux to reconcile the source with its changed secret', {
    source: { namespace: source.metadata.namespace, name: source.metadata.name },
  });
}
