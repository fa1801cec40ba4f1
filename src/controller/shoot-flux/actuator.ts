import { setMaxListeners } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import { evaluateFluxConfig, type FluxVersionOrigin } from '../../api/evaluate.js';
import { followsInstallation } from '../../api/sync-mode.js';
import { resolveImagePullSecretName } from '../../api/flux-install-options.js';
import type { LandscapeFluxPolicy } from '../../api/landscape-policy.js';
import { formatFieldErrors, formatFieldWarnings, type FieldWarning } from '../../api/field-errors.js';
import { decodeNamedResourceReferences } from '../../api/shoot-resources.js';
import type {
  FluxConfig,
  KustomizationObject,
  NamedResourceReference,
  SourceObject,
} from '../../api/types.js';
import type { TemplateSchemas } from '../../api/template-schema.js';
import { buildBootstrapObjects } from '../../flux/bootstrap-objects.js';
import { buildTemplateSchemas } from '../../flux/crd-schemas.js';
import { buildFluxInstallOptions } from '../../flux/install/options.js';
import { evaluateFluxReadiness, type FluxReadiness } from '../../flux/readiness.js';
import { buildSecretPlan } from '../../flux/secret-plan.js';
import { buildShootInfoConfigMap } from '../../flux/shoot-info.js';
import { isHibernatingOrWakingUp, isHibernationEnabled } from '../../gardener/cluster.js';
import { buildCondition, findCondition, mergeConditions } from '../../gardener/condition.js';
import { errorMessage } from '../../gardener/status.js';
import type { Cluster, Extension } from '../../gardener/types.js';
import { applyObject, type AppliedObject } from '../../kube/apply.js';
import { installFlux, type FluxBundleSource } from '../../kube/flux-install.js';
import { mergePatchObject, readObject } from '../../kube/objects.js';
import type { RequestTimeouts } from '../../kube/http-transport.js';
import type { KubeRequestObserver } from '../../kube/kubeconfig.js';
import { KubeRawClient } from '../../kube/raw-client.js';
import { RestMapper, buildResourcePath, encodePathSegment } from '../../kube/rest-mapper.js';
import { waitForCollections, type WatchedCollection } from '../../kube/watch.js';
import type { Logger } from '../../log/logger.js';
import { textLimits } from '../../log/truncate.js';
import type { Actuator, ActuatorContext } from '../actuator.js';
import { startDeadline } from '../deadline.js';
import { ConfigurationError, RequeueAfterError } from '../errors.js';
import { syncSecrets, type ClusterAccess, type SecretSyncResult } from './secret-sync.js';
import { ShootFluxHealthMonitor, type ShootFluxHealthMonitorOptions } from './health-monitor.js';
import { asInstallConfigurationError } from './install-config-error.js';
import { checkShootRunsFlux } from './kubernetes-preflight.js';
import { ShootWaker } from './shoot-waker.js';
import { reconcileSyncModeInstallation, reconcileSyncModeManifests } from './sync-mode-reconcile.js';
import { DelayedEnqueue } from './delayed-enqueue.js';
import type { FluxUpgradeResult } from './flux-upgrade.js';
import { UpgradeSlots } from './upgrade-slots.js';
import { buildRecordedSync } from './object-sync.js';
import { applyTemplateObject } from './template-apply.js';
import { WaitProgress, describeFluxWaiting } from './wait-progress.js';
import {
  buildSecretOwnershipPatch,
  buildStatePatch,
  configWarningsCondition,
  fluxBootstrappedCondition,
  hashBootstrapConfig,
  hashInstallConfig,
  isBootstrapped,
  readBootstrapState,
  readSecretOwnership,
  rebootstrapAnnotation,
  wantsRebootstrap,
  type FluxBootstrapState,
} from './state.js';

/** Where shoot KubeConfigs come from (ShootClientProvider in production). */
export interface ShootKubeConfigSource {
  kubeConfigFor(namespace: string): Promise<KubeConfig>;
}

/** Everything the shoot-flux actuator needs, injected by `run`. */
export interface ShootFluxActuatorOptions {
  seed: KubeConfig;
  shootClients: ShootKubeConfigSource;
  bundles: FluxBundleSource;
  /** `--garden-cluster-identity`, published in shoot-info. */
  gardenClusterIdentity: string;
  logger: Logger;
  /** Enqueues an Extension by `namespace/name` (the manager's queue). */
  enqueue: (key: string) => void;
  /** Removes an annotation from an Extension (the rebootstrap request, once honoured). */
  removeAnnotation: (extension: Extension, key: string) => Promise<void>;
  /** How long one reconcile may wait for Flux before it returns and requeues. */
  waitBudgetMs: number;
  /** Fallback requeue while waiting; a watch on the shoot wakes the key earlier. */
  requeueAfterMs?: number;
  /** Observes a finished bootstrap's duration. */
  observeBootstrap?: (result: 'success' | 'failure', seconds: number) => void;
  requestObserver?: KubeRequestObserver;
  /** Connect and request timeouts of every request to a shoot (`--shoot-*-timeout`). */
  shootTimeouts?: RequestTimeouts;
  /**
   * Aborted the moment the controller begins to stop (reconcile deadlines abort with it): no
   * new wake-up watches open, and a reconcile it interrupts is recorded as in progress.
   */
  stopping?: AbortSignal;
  now?: () => Date;
  /** The day-2 health checks of bootstrapped shoots; none when undefined. */
  health?: ShootFluxHealthSettings;
  /** The landscape's Flux defaults and enforcement (flags of `run`). */
  landscape?: LandscapeFluxPolicy;
  /** `--max-concurrent-flux-upgrades`: Flux upgrades (`syncMode: Full`) running at once (default 10). */
  maxConcurrentUpgrades?: number;
  /** Observes a finished Flux upgrade's result and duration. */
  observeUpgrade?: (result: FluxUpgradeResult, seconds: number) => void;
}

/** Health monitor options the actuator does not fill in itself. */
export type ShootFluxHealthSettings = Omit<
  ShootFluxHealthMonitorOptions,
  'seed' | 'accessShoot' | 'logger' | 'observer' | 'now'
>;

/** What one reconcile of one shoot works with, resolved once at its start. */
interface ShootReconcile {
  context: ActuatorContext;
  config: FluxConfig;
  cluster: Cluster;
  shoot: ClusterAccess;
  shootResources: NamedResourceReference[];
  versionOrigin: FluxVersionOrigin;
}

/** Flux's annotation that requests an immediate reconcile (`flux reconcile` sets it). */
const reconcileRequestAnnotation = 'reconcile.fluxcd.io/requestedAt';

const bootstrappedReason = 'BootstrapSuccessful';
const bootstrappedMessage = 'Flux has been successfully bootstrapped on the Shoot cluster.';

function keyOf(extension: Extension): string {
  return `${extension.metadata.namespace ?? ''}/${extension.metadata.name}`;
}

/**
 * Runs one step of a reconcile, so its failure says which step failed (`installing Flux: …`),
 * with the original error as cause. Progress and configuration errors say so themselves.
 */
async function inStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RequeueAfterError || err instanceof ConfigurationError) throw err;
    throw new Error(`${step}: ${errorMessage(err)}`, { cause: err });
  }
}

function describeFluxObject(object: SourceObject | KustomizationObject): string {
  return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
}

/** The watch of one Flux object: its collection's path (from discovery) narrowed to its name. */
async function collectionOf(
  shoot: ClusterAccess,
  object: SourceObject | KustomizationObject,
  signal: AbortSignal,
): Promise<WatchedCollection> {
  const mapping = await shoot.mapper.resolve(object.apiVersion, object.kind, signal);
  return {
    path: buildResourcePath(mapping, object.metadata.namespace),
    fieldSelector: `metadata.name=${object.metadata.name}`,
  };
}

/**
 * The shoot-flux actuator: installs Flux into the shoot, syncs secrets and shoot-info, bootstraps
 * the source and Kustomization once, and afterwards keeps only secrets and shoot-info in sync.
 * Nothing it creates in the shoot is ever removed, by design: the shoot belongs to its users.
 */
export class ShootFluxActuator implements Actuator {
  private readonly seed: ClusterAccess;
  private readonly shootAccess = new WeakMap<KubeConfig, ClusterAccess>();
  private readonly waker: ShootWaker;
  private readonly now: () => Date;
  private readonly health: ShootFluxHealthMonitor | undefined;
  private readonly upgradeSlots: UpgradeSlots;
  private readonly delayed: DelayedEnqueue;
  /** Ends every shoot request and watch on close. */
  private readonly lifetime = new AbortController();

  constructor(private readonly options: ShootFluxActuatorOptions) {
    // Every request in flight listens on the lifetime; health checks of many shoots run at once.
    setMaxListeners(0, this.lifetime.signal);
    const client = new KubeRawClient(options.seed, options.requestObserver, {
      serverRole: 'seed API server',
      lifetime: this.lifetime.signal,
    });
    this.seed = { client, mapper: new RestMapper(client) };
    this.waker = new ShootWaker(options.enqueue, options.logger.named('shoot-waker'));
    this.now = options.now ?? (() => new Date());
    this.upgradeSlots = new UpgradeSlots(options.maxConcurrentUpgrades ?? 10, options.enqueue);
    this.delayed = new DelayedEnqueue(options.enqueue);
    if (options.health) {
      this.health = new ShootFluxHealthMonitor({
        ...options.health,
        seed: options.seed,
        accessShoot: (namespace) => this.accessShoot(namespace),
        logger: options.logger.named('health'),
        observer: options.requestObserver,
        now: this.now,
      });
    }
    options.stopping?.addEventListener(
      'abort',
      () => {
        this.waker.stop();
      },
      { once: true },
    );
  }

  /** Starts the health checks (this replica leads). */
  start(): void {
    this.health?.start();
  }

  /** Ends the wake-up watches, the health checks and every request still open to a shoot (shutdown). */
  async close(): Promise<void> {
    this.waker.stop();
    this.delayed.stop();
    // Cut open shoot requests first, so a health check in flight ends now instead of at its deadline.
    this.lifetime.abort(new Error('the controller stopped'));
    await this.health?.stop();
  }

  /**
   * Create and Reconcile: bootstrap once, then keep secrets and shoot-info in sync. A run cut
   * short by a shutdown is reported as in progress: every step is idempotent and recorded, so
   * the next leader resumes where this one stopped.
   */
  async reconcile(context: ActuatorContext): Promise<void> {
    try {
      await this.reconcileShoot(context);
    } catch (err) {
      if (!this.options.stopping?.aborted || err instanceof ConfigurationError) throw err;
      if (err instanceof RequeueAfterError && err.cause === undefined) throw err;
      throw new RequeueAfterError(
        this.options.requeueAfterMs ?? 30_000,
        `interrupted by a controller shutdown, the next leader resumes: ${errorMessage(err)}`,
      );
    }
  }

  private async reconcileShoot(context: ActuatorContext): Promise<void> {
    const { extension, cluster, logger, events } = context;
    if (!cluster) throw new Error('the Cluster of the shoot is missing');
    const shootResources = decodeNamedResourceReferences(cluster.shoot.spec?.resources);
    const hibernated = isHibernationEnabled(cluster.shoot) || isHibernatingOrWakingUp(cluster.shoot);
    const bootstrapping = !hibernated && (!isBootstrapped(extension) || wantsRebootstrap(extension));
    const templateSchemas = bootstrapping
      ? await this.loadTemplateSchemas(context, shootResources)
      : undefined;
    const { config, warnings, versionOrigin } = this.evaluateConfig(context, shootResources, templateSchemas);
    await recordConfigWarnings(context, config, warnings, this.now());
    if (hibernated) {
      logger.info('Shoot is hibernated or changing hibernation state, skipping the shoot');
      return;
    }
    const shoot = await this.accessShoot(extension.metadata.namespace ?? '');
    if (isBootstrapped(extension) && !wantsRebootstrap(extension)) {
      await this.reconcileBootstrapped({ context, config, cluster, shoot, shootResources, versionOrigin });
      return;
    }
    if (wantsRebootstrap(extension)) {
      events.event(
        'Normal',
        'Rebootstrap',
        `Annotation ${rebootstrapAnnotation} set: running the full bootstrap again`,
      );
    }
    await this.bootstrap({ context, config, cluster, shoot, shootResources, versionOrigin });
  }

  /** Nothing is removed from the shoot: users uninstall Flux themselves; shoot deletion cleans up. */
  delete(context: ActuatorContext): Promise<void> {
    this.waker.cancel(keyOf(context.extension));
    this.forgetUpgrade(context.extension);
    this.health?.forget(context.extension);
    context.logger.info('Leaving Flux and its objects in the shoot');
    return Promise.resolve();
  }

  /** Like delete: the shoot is going away, nothing to do in it. */
  forceDelete(context: ActuatorContext): Promise<void> {
    return this.delete(context);
  }

  /** The bootstrapped state lives in status.state, which gardenlet carries over; nothing else to do. */
  migrate(context: ActuatorContext): Promise<void> {
    this.waker.cancel(keyOf(context.extension));
    this.forgetUpgrade(context.extension);
    this.health?.forget(context.extension);
    context.logger.info('Keeping the bootstrap state for the restore', {
      bootstrapped: readBootstrapState(context.extension).bootstrapped,
    });
    return Promise.resolve();
  }

  /** status.state came back from the ShootState: reconcile from it without bootstrapping again. */
  restore(context: ActuatorContext): Promise<void> {
    return this.reconcile(context);
  }

  /**
   * The schemas of the Flux CRDs the bootstrap will install, to check the templates against them
   * before anything is written to the shoot. Only when bootstrapping: afterwards the templates
   * are not applied again, so a bootstrapped shoot does not need the bundle. Undefined when the
   * config is invalid anyway (the evaluation reports why).
   */
  private async loadTemplateSchemas(
    context: ActuatorContext,
    shootResources: NamedResourceReference[],
  ): Promise<TemplateSchemas | undefined> {
    const version = evaluateFluxConfig(context.extension.spec.providerConfig, {
      shootResources,
      ...(this.options.landscape ? { landscape: this.options.landscape } : {}),
    }).config?.flux.version;
    if (version === undefined) return undefined;
    return buildTemplateSchemas(await this.options.bundles.load(version, context.signal));
  }

  private evaluateConfig(
    context: ActuatorContext,
    shootResources: NamedResourceReference[],
    templateSchemas: TemplateSchemas | undefined,
  ): { config: FluxConfig; warnings: FieldWarning[]; versionOrigin: FluxVersionOrigin } {
    const evaluation = evaluateFluxConfig(context.extension.spec.providerConfig, {
      shootResources,
      ...(templateSchemas ? { templateSchemas } : {}),
      ...(this.options.landscape ? { landscape: this.options.landscape } : {}),
    });
    if (evaluation.warnings.length > 0) {
      // One log line and one Event per reconcile, however many fields: 3000 unknown fields must
      // not become 3000 lines and Events on every reconcile. The same summary next time bumps the
      // Event's count (the recorder's deduplication) instead of creating another one.
      const summary = formatFieldWarnings(evaluation.warnings, textLimits.eventMessage);
      context.logger.warn('Deprecated or unknown providerConfig fields', {
        count: evaluation.warnings.length,
        warnings: summary,
      });
      context.events.event('Warning', 'ProviderConfigWarning', summary);
    }
    if (!evaluation.config || evaluation.errors.length > 0) {
      throw new ConfigurationError(
        `invalid providerConfig: ${formatFieldErrors(evaluation.errors)}`,
        evaluation.errors,
      );
    }
    return {
      config: evaluation.config,
      warnings: evaluation.warnings,
      versionOrigin: evaluation.fluxVersionOrigin ?? 'providerConfig',
    };
  }

  private async accessShoot(namespace: string): Promise<ClusterAccess> {
    const kubeConfig = await this.options.shootClients.kubeConfigFor(namespace);
    let access = this.shootAccess.get(kubeConfig);
    if (!access) {
      const client = new KubeRawClient(kubeConfig, this.options.requestObserver, {
        serverRole: 'shoot API server',
        timeouts: this.options.shootTimeouts,
        lifetime: this.lifetime.signal,
      });
      access = { client, mapper: new RestMapper(client) };
      this.shootAccess.set(kubeConfig, access);
    }
    return access;
  }

  private async applyShootInfo(
    config: FluxConfig,
    cluster: Cluster,
    shoot: ClusterAccess,
    signal: AbortSignal,
  ) {
    const configMap = buildShootInfoConfigMap(config.flux.namespace, {
      name: cluster.shoot.metadata.name,
      clusterIdentity: cluster.shoot.status?.clusterIdentity,
      technicalID: cluster.shoot.status?.technicalID,
      gardenClusterIdentity: this.options.gardenClusterIdentity,
    });
    return applyObject(shoot.client, configMap, { signal, mapper: shoot.mapper });
  }

  private async syncShootSecrets({
    context,
    config,
    shoot,
    shootResources,
  }: ShootReconcile): Promise<SecretSyncResult> {
    return syncSecrets({
      seed: this.seed,
      shoot,
      seedNamespace: context.extension.metadata.namespace ?? '',
      plan: buildSecretPlan(config, shootResources),
      ownership: readSecretOwnership(context.status.current),
      recordOwnership: (ownership) => context.status.patch({ state: buildSecretOwnershipPatch(ownership) }),
      signal: context.signal,
      logger: context.logger,
    });
  }

  /** After the bootstrap: secrets and shoot-info only; say so when the config changed since. */
  private async reconcileBootstrapped(run: ShootReconcile): Promise<void> {
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
      events.event('Warning', reason, message);
    } else {
      logger.debug(
        'Flux installation has been bootstrapped already, reconciling secrets and shoot-info only',
      );
      await inStep('syncing secrets', () => this.syncShootSecrets(run));
      await inStep('applying shoot-info', () => this.applyShootInfo(config, cluster, shoot, signal));
      const configHash = hashBootstrapConfig(config);
      const installation = await inStep('keeping the Flux installation', () =>
        this.reconcileInstallation(run, state),
      );
      state = installation.state;
      const followed = await inStep('applying the source and Kustomization', () =>
        reconcileSyncModeManifests({ context, config, shoot, state, logger }),
      );
      state = followed.state;
      const said = installation.reason !== undefined ? installation : followed;
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
        events.event('Normal', reason, message);
      }
    }
    await this.writeBootstrapped(context, reason, message, state);
  }

  /** `Full`: the installation as configured, upgrades included (other modes: nothing). */
  private async reconcileInstallation(run: ShootReconcile, state: FluxBootstrapState) {
    const { context, config, cluster, shoot, shootResources, versionOrigin } = run;
    if (!followsInstallation(config.syncMode)) return { state };
    checkShootRunsFlux(config.flux.version, cluster.shoot);
    const key = keyOf(context.extension);
    const imagePullSecret = resolveImagePullSecretName(config.flux, shootResources);
    const deadline = startDeadline(this.options.waitBudgetMs, [context.signal]);
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
          bundles: this.options.bundles,
          slots: this.upgradeSlots,
          delayed: this.delayed,
          wakeOnDeployments: () => {
            this.waker.wakeOnChange(key, 'flux-install', shoot.client, [
              {
                path: `/apis/apps/v1/namespaces/${encodePathSegment(config.flux.namespace, 'namespace')}/deployments`,
              },
            ]);
          },
          requeueAfterMs: this.options.requeueAfterMs ?? 30_000,
          now: this.now(),
          waitSignal: deadline.signal,
          ...(this.options.observeUpgrade ? { observeUpgrade: this.options.observeUpgrade } : {}),
        },
      );
    } finally {
      deadline.dispose();
    }
  }

  private forgetUpgrade(extension: Extension): void {
    this.upgradeSlots.forget(keyOf(extension));
    this.delayed.cancel(keyOf(extension));
  }

  /**
   * The controllers cannot pull their images before their pull secret exists, and the install
   * waits for them: with `flux.imagePullSecret`, the Flux namespace and the secrets come first.
   * Returns the pull secret's name in the shoot.
   */
  private async syncImagePullSecretFirst(run: ShootReconcile): Promise<string | undefined> {
    const { config, shoot, shootResources, context } = run;
    const name = resolveImagePullSecretName(config.flux, shootResources);
    if (name === undefined) return undefined;
    await applyObject(
      shoot.client,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: config.flux.namespace } },
      { signal: context.signal, mapper: shoot.mapper },
    );
    await this.syncShootSecrets(run);
    return name;
  }

  /** The full bootstrap. Every step is idempotent and skips work a previous attempt finished. */
  private async bootstrap(run: ShootReconcile): Promise<void> {
    const deadline = startDeadline(this.options.waitBudgetMs, [run.context.signal]);
    try {
      await this.bootstrapWithin(run, deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Installs Flux (skipped when the rendered set is unchanged) after the Kubernetes-version
   * preflight, and requeues until its controllers are available. Returns the install's hash.
   */
  private async installFluxInto(run: ShootReconcile, waitSignal: AbortSignal): Promise<string> {
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
    const imagePullSecret = await this.syncImagePullSecretFirst(run);
    const install = await inStep('installing Flux', () =>
      installFlux({
        shoot: shoot.client,
        bundles: this.options.bundles,
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
      this.waker.wakeOnChange(key, 'flux-install', shoot.client, [
        {
          path: `/apis/apps/v1/namespaces/${encodePathSegment(config.flux.namespace, 'namespace')}/deployments`,
        },
      ]);
      throw new RequeueAfterError(
        this.options.requeueAfterMs ?? 30_000,
        `waiting for the Flux installation: ${install.readiness.pending.join(', ')}`,
      );
    }
    return install.hash;
  }

  private async bootstrapWithin(run: ShootReconcile, waitSignal: AbortSignal): Promise<void> {
    const { context, config, cluster, shoot, shootResources } = run;
    const { extension, logger, events, signal } = context;
    const key = keyOf(extension);
    const state = readBootstrapState(extension);
    if (state.installHash === undefined) {
      events.event('Normal', 'BootstrapStarted', `Bootstrapping Flux ${config.flux.version} into the shoot`);
    }

    const installHash = await this.installFluxInto(run, waitSignal);

    const objects = buildBootstrapObjects(config, shootResources);
    for (const object of objects) {
      if (object.kind !== 'Namespace') continue;
      const namespace = { ...object, metadata: { ...object.metadata } };
      await inStep('applying the namespace', () =>
        applyObject(shoot.client, namespace, { signal, mapper: shoot.mapper }),
      );
    }
    // A credential fixed in the seed (`ref-*`) while Flux still fails must bring the next
    // reconcile at once, not the fallback requeue, and end a wait that runs (the wait shows
    // Flux's complaint, which invites the fix). Watched from before the secrets are read, so no
    // fix slips in between.
    const seedSecretChanged = new AbortController();
    this.waker.wakeOnChange(
      key,
      'seed-secrets',
      this.seed.client,
      [
        {
          path: `/api/v1/namespaces/${encodePathSegment(extension.metadata.namespace ?? '', 'namespace')}/secrets`,
        },
      ],
      () => {
        seedSecretChanged.abort();
      },
    );
    const secrets = await inStep('syncing secrets', () => this.syncShootSecrets(run));
    const source = config.source?.template;
    const applied: AppliedObject[] = [];
    if (source) {
      await inStep('applying the source', async () => {
        applied.push(await applyTemplateObject(shoot, source, 'source.template', signal));
        await this.requestSourceReconcile(run, source, secrets);
      });
    }
    await inStep('applying shoot-info', () => this.applyShootInfo(config, cluster, shoot, signal));
    const kustomization = config.kustomization?.template;
    if (kustomization) {
      applied.push(
        await inStep('applying the Kustomization', () =>
          applyTemplateObject(shoot, kustomization, 'kustomization.template', signal),
        ),
      );
    }

    const watched = [source, kustomization].filter(
      (o): o is SourceObject | KustomizationObject => o !== undefined,
    );
    if (watched.length > 0) {
      const collections = await inStep('waiting for Flux objects', () =>
        Promise.all(watched.map((object) => collectionOf(shoot, object, signal))),
      );
      const outcome = await inStep('waiting for Flux objects', () =>
        this.waitForFluxObjects(context, shoot, watched, collections, waitSignal, seedSecretChanged.signal),
      );
      const failed = outcome.find((r) => r.readiness.state === 'failed');
      if (failed) {
        this.options.observeBootstrap?.('failure', 0);
        throw new ConfigurationError(
          `${describeFluxObject(failed.object)} failed: ${failed.readiness.message}`,
        );
      }
      const waiting = outcome.filter((r) => r.readiness.state !== 'ready');
      if (waiting.length > 0) {
        this.waker.wakeOnChange(key, 'flux-objects', shoot.client, collections);
        throw new RequeueAfterError(this.options.requeueAfterMs ?? 30_000, describeWaits(waiting));
      }
      if (source) events.event('Normal', 'SourceReady', `${describeFluxObject(source)} is ready`);
      if (kustomization)
        events.event('Normal', 'KustomizationReady', `${describeFluxObject(kustomization)} is ready`);
    }

    this.waker.cancel(key);
    const bootstrappedState: FluxBootstrapState = {
      bootstrapped: true,
      bootstrappedAt: this.now().toISOString(),
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
    await this.writeBootstrapped(context, bootstrappedReason, bootstrappedMessage, bootstrappedState);
    this.health?.checkExtension(context.status.current);
    const started = Date.parse(extension.metadata.creationTimestamp ?? '');
    if (!Number.isNaN(started)) {
      this.options.observeBootstrap?.('success', (this.now().getTime() - started) / 1000);
    }
    events.event('Normal', 'Bootstrapped', bootstrappedMessage);
    logger.info('Flux bootstrapped', { fluxVersion: config.flux.version });
    if (wantsRebootstrap(extension)) await this.options.removeAnnotation(extension, rebootstrapAnnotation);
  }

  /**
   * Waits by watching until every Flux object is ready or one failed, at most until `waitSignal`
   * or `interrupt` aborts, and resolves with each object's readiness. Flux's current words are
   * the progress text meanwhile, updated as Flux reports, so a requeued wait shows why it waits
   * from its first look, not a generic text.
   */
  private async waitForFluxObjects(
    context: ActuatorContext,
    shoot: ClusterAccess,
    watched: (SourceObject | KustomizationObject)[],
    collections: WatchedCollection[],
    waitSignal: AbortSignal,
    interrupt: AbortSignal,
  ): Promise<FluxObjectReadiness[]> {
    if (interrupt.aborted && !waitSignal.aborted) {
      // Interrupted before it began (a seed secret changed): the next reconcile looks again.
      const readiness: FluxReadiness = {
        state: 'progressing',
        reason: 'SecretChanged',
        message: 'a referenced secret changed in the seed; syncing it first',
      };
      return watched.map((object) => ({ object, readiness }));
    }
    const progress = new WaitProgress(context.status, context.logger);
    // waitSignal bounds the wait already; the budget here only satisfies the signature.
    const wait = startDeadline(this.options.waitBudgetMs, [waitSignal, interrupt]);
    try {
      const outcome = await waitForCollections(shoot.client, {
        collections,
        signal: wait.signal,
        logger: context.logger,
        evaluate: (lists) => {
          const results = watched.map((object, i) => ({
            object,
            readiness: evaluateFluxReadiness(lists[i]?.[0]),
          }));
          const done =
            results.every((r) => r.readiness.state === 'ready') ||
            results.some((r) => r.readiness.state === 'failed');
          if (!done) progress.report(describeWaits(results));
          return { done, progress: results };
        },
      });
      return outcome.progress;
    } finally {
      wait.dispose();
      await progress.flush();
    }
  }

  /**
   * When the source's secret changed under a source that already exists (e.g. wrong credentials
   * fixed), asks source-controller to reconcile now instead of after its failure back-off.
   */
  private async requestSourceReconcile(
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
      { metadata: { annotations: { [reconcileRequestAnnotation]: this.now().toISOString() } } },
      context.signal,
    );
    context.logger.info('Asked Flux to reconcile the source with its changed secret', {
      source: { namespace: source.metadata.namespace, name: source.metadata.name },
    });
  }

  /** Writes the FluxBootstrapped condition and the state in one status patch (no-op when unchanged). */
  private async writeBootstrapped(
    context: ActuatorContext,
    reason: string,
    message: string,
    state: FluxBootstrapState,
  ): Promise<void> {
    const current = context.status.current.status;
    const { condition } = buildCondition(
      findCondition(current?.conditions, fluxBootstrappedCondition),
      { type: fluxBootstrappedCondition, status: 'True', reason, message },
      this.now(),
    );
    await context.status.patch({
      conditions: mergeConditions(current?.conditions, condition),
      state: buildStatePatch({ ...state, bootstrapped: true }, readBootstrapState(context.status.current)),
    });
  }
}

/**
 * The providerConfig's warnings (an enforced registry replaced, deprecated or unknown fields) as
 * the `ConfigWarnings` condition, so status says what changed, not only an Event. Written only
 * when there are warnings or the condition exists (then turned False): no noise otherwise.
 */
async function recordConfigWarnings(
  context: ActuatorContext,
  config: FluxConfig,
  warnings: readonly FieldWarning[],
  now: Date,
): Promise<void> {
  const current = context.status.current.status?.conditions;
  const previous = findCondition(current, configWarningsCondition);
  if (warnings.length === 0 && previous === undefined) return;
  const { condition, changed } = buildCondition(
    previous,
    warnings.length > 0
      ? {
          type: configWarningsCondition,
          status: 'True',
          reason: 'ProviderConfigWarnings',
          message: formatFieldWarnings(warnings, textLimits.eventMessage),
        }
      : {
          type: configWarningsCondition,
          status: 'False',
          reason: 'NoWarnings',
          message: `FluxConfig for Flux ${config.flux.version} has no warnings`,
        },
    now,
  );
  if (changed) await context.status.patch({ conditions: mergeConditions(current, condition) });
}

/** One Flux object the bootstrap waits for, and what Flux says of it. */
interface FluxObjectReadiness {
  object: SourceObject | KustomizationObject;
  readiness: FluxReadiness;
}

function describeWaits(results: FluxObjectReadiness[]) {
  return describeFluxWaiting(
    results.map((r) => ({ label: describeFluxObject(r.object), readiness: r.readiness })),
  );
}
