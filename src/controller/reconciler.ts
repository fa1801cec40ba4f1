import { randomUUID } from 'node:crypto';
import { decodeCluster, isShootFailed, isShootForceDeletion } from '../gardener/cluster.js';
import {
  defaultExtensionClass,
  defaultReconcileTimeoutMs,
  errorCodes,
  extensionFinalizer,
  extensionResyncMs,
  operationAnnotation,
  operationAnnotationValues,
  operationStates,
  operationTypes,
  type OperationType,
} from '../gardener/constants.js';
import { computeOperationType, shouldSkipOperation } from '../gardener/operation.js';
import {
  buildErrorStatus,
  buildProcessingStatus,
  buildSuccessStatus,
  errorMessage,
  formatLastErrDescription,
} from '../gardener/status.js';
import { isSteadyReconcile } from '../gardener/steady-state.js';
import type { Cluster, ClusterObject, Extension, ObjectMeta } from '../gardener/types.js';
import type { Logger } from '../log/logger.js';
import type { Actuator, ActuatorContext, EventRecorder } from './actuator.js';
import { startDeadline } from './deadline.js';
import { CodedError, findError, RequeueAfterError } from './errors.js';
import { describeInternalError, isInternalError } from './internal-error.js';
import type { ReconcileOutcome } from './queue.js';
import type { StatusSession, StatusWriter } from './status-writer.js';

/** The reads and metadata writes the reconciler needs (src/kube/extension-client.ts implements it). */
export interface ExtensionStore {
  readExtension(namespace: string, name: string, signal?: AbortSignal): Promise<Extension | undefined>;
  readCluster(name: string, signal?: AbortSignal): Promise<ClusterObject | undefined>;
  patchExtensionMetadata(
    extension: { metadata: ObjectMeta },
    patch: { annotations?: Record<string, string | null>; finalizers?: string[] | null },
    options?: { resourceVersion?: string; signal?: AbortSignal },
  ): Promise<Extension>;
}

/** Options of the {@link ExtensionReconciler}. */
export interface ExtensionReconcilerOptions {
  actuator: Actuator;
  store: ExtensionStore;
  statusWriter: StatusWriter;
  /** An event recorder on one Extension. */
  events: (extension: Extension) => EventRecorder;
  logger: Logger;
  /** Deadline of one reconcile (`--reconcile-timeout`, Gardener's 3m). */
  reconcileTimeoutMs?: number;
  /** Requeue after a successful reconcile (Gardener's 60m resync). */
  resyncMs?: number;
  /** Aborted on shutdown after the grace period: running actuators stop and record their state. */
  shutdownSignal?: AbortSignal;
}

/** A queue key of an Extension: `namespace/name`. */
export function buildExtensionKey(meta: { namespace?: string; name: string }): string {
  return `${meta.namespace ?? ''}/${meta.name}`;
}

function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

interface Run {
  /** Names this reconcile in logs and in an internal error's status text. */
  reconcileID: string;
  extension: Extension;
  cluster: Cluster | undefined;
  session: StatusSession;
  logger: Logger;
  signal: AbortSignal;
  context: ActuatorContext;
  /** A resync nobody asked for of an Extension whose last reconcile succeeded (see isSteadyReconcile). */
  steady: boolean;
}

/**
 * Gardener's generic Extension reconciler (extensions/pkg/controller/extension/reconciler.go)
 * with its operation annotation wrapper: it owns the finalizer, the `gardener.cloud/operation`
 * annotation, lastOperation/lastError/observedGeneration, and dispatches to the actuator.
 */
export class ExtensionReconciler {
  private readonly reconcileTimeoutMs: number;
  private readonly resyncMs: number;

  constructor(private readonly options: ExtensionReconcilerOptions) {
    this.reconcileTimeoutMs = options.reconcileTimeoutMs ?? defaultReconcileTimeoutMs;
    this.resyncMs = options.resyncMs ?? extensionResyncMs;
  }

  /**
   * Reconciles the Extension with this queue key, as the run `reconcileID` (the queue's); throws
   * to ask for a retry with backoff, or a RequeueAfterError (after recording it) to come back later.
   */
  async reconcile(key: string, reconcileID: string = randomUUID()): Promise<ReconcileOutcome> {
    const { namespace, name } = parseKey(key);
    const logger = this.options.logger.child({ reconcileID, extension: { namespace, name } });
    const deadline = startDeadline(this.reconcileTimeoutMs, [this.options.shutdownSignal]);
    try {
      return await this.reconcileWithin(namespace, name, deadline.signal, logger, reconcileID);
    } finally {
      deadline.dispose();
    }
  }

  private async reconcileWithin(
    namespace: string,
    name: string,
    signal: AbortSignal,
    logger: Logger,
    reconcileID: string,
  ): Promise<ReconcileOutcome> {
    logger.debug('Reconciling');

    let extension = await this.options.store.readExtension(namespace, name, signal);
    if (!extension) {
      logger.debug('Extension is gone');
      return undefined;
    }
    const annotation = extension.metadata.annotations?.[operationAnnotation];
    if (annotation === operationAnnotationValues.waitForState) {
      logger.info('Waiting for the state to be restored');
      return undefined;
    }
    if (annotation === operationAnnotationValues.reconcile) {
      // Removed before reconciling, so a new request during the reconcile is not lost.
      extension = await this.options.store.patchExtensionMetadata(extension, {
        annotations: { [operationAnnotation]: null },
      });
    }

    const { cluster, clusterError } = await this.readCluster(extension, signal);
    if (cluster && isShootFailed(cluster.shoot)) {
      logger.info('Skipping the reconciliation of Extension of failed shoot');
      return undefined;
    }

    const lastOperation = extension.status?.lastOperation;
    const operationType = computeOperationType(extension.metadata, lastOperation);
    if (shouldSkipOperation(operationType, lastOperation)) {
      logger.debug('Skipping operation after a successful migration', { operationType });
      return undefined;
    }
    const session = this.options.statusWriter.session(extension);
    const run: Run = {
      reconcileID,
      extension,
      cluster,
      session,
      logger: logger.child({ operationType }),
      signal,
      steady: isSteadyReconcile(extension, operationType, annotation === operationAnnotationValues.reconcile),
      context: {
        extension,
        cluster,
        signal,
        logger: logger.child({ operationType }),
        events: this.options.events(extension),
        status: session,
      },
    };

    if (operationType === operationTypes.migrate) return this.migrate(run);
    if (extension.metadata.deletionTimestamp) return this.delete(run);
    if (clusterError !== undefined) {
      // The Cluster is gardenlet's object, as the shoot access secret is: retried, with the same code.
      return this.failBeforeActuator(
        run,
        operationType,
        new CodedError(clusterError, [errorCodes.retryableInfraDependencies]),
      );
    }
    if (operationType === operationTypes.restore) return this.restore(run);
    return this.reconcileExtension(run, operationType);
  }

  private async readCluster(
    extension: Extension,
    signal: AbortSignal,
  ): Promise<{ cluster?: Cluster; clusterError?: string }> {
    if ((extension.spec.class ?? defaultExtensionClass) !== defaultExtensionClass) return {};
    const namespace = extension.metadata.namespace ?? '';
    const object = await this.options.store.readCluster(namespace, signal);
    if (!object) return { clusterError: `cluster ${namespace} not found` };
    const decoded = decodeCluster(object);
    return 'error' in decoded ? { clusterError: decoded.error } : { cluster: decoded.cluster };
  }

  private async reconcileExtension(run: Run, operationType: OperationType): Promise<ReconcileOutcome> {
    await this.ensureFinalizer(run);
    if (!run.steady) {
      await run.session.patch(
        buildProcessingStatus(operationType, this.describeReconcileStart(run, operationType), this.now()),
      );
    }
    try {
      await this.options.actuator.reconcile(run.context);
    } catch (err) {
      return this.recordFailure(run, operationType, 'Error reconciling Extension', err);
    }
    if (run.steady) {
      // lastOperation already says Succeeded for this generation: nothing to write.
      run.logger.info('Successfully reconciled Extension');
      return { requeueAfterMs: this.resyncMs };
    }
    await run.session.patch(
      buildSuccessStatus(
        operationType,
        'Successfully reconciled Extension',
        this.generation(run),
        this.now(),
      ),
    );
    run.logger.info('Successfully reconciled Extension');
    return { requeueAfterMs: this.resyncMs };
  }

  /**
   * The description a reconcile starts with: a requeue of the same operation still in progress
   * keeps what it was waiting for (e.g. Flux's message), so the reason does not vanish on every
   * retry; anything else starts from "Reconciling the Extension".
   */
  private describeReconcileStart(run: Run, type: OperationType): string {
    const last = run.session.current.status?.lastOperation;
    const continues = last?.state === operationStates.processing && last.type === type;
    return continues && last.description ? last.description : 'Reconciling the Extension';
  }

  private async delete(run: Run): Promise<ReconcileOutcome> {
    if (!run.session.current.metadata.finalizers?.includes(extensionFinalizer)) {
      run.logger.debug('Deleting Extension causes a no-op as there is no finalizer');
      return undefined;
    }
    const force = run.cluster !== undefined && isShootForceDeletion(run.cluster.shoot);
    const type = operationTypes.delete;
    await run.session.patch(buildProcessingStatus(type, 'Deleting the Extension', this.now()));
    try {
      if (force) await this.options.actuator.forceDelete(run.context);
      else await this.options.actuator.delete(run.context);
    } catch (err) {
      return this.recordFailure(run, type, 'Error deleting the Extension', err);
    }
    await run.session.patch(
      buildSuccessStatus(type, 'Successfully deleted the Extension', this.generation(run), this.now()),
    );
    await this.removeFinalizers(run, false);
    run.logger.info('Successfully deleted Extension', { force });
    return undefined;
  }

  private async restore(run: Run): Promise<ReconcileOutcome> {
    const type = operationTypes.restore;
    await this.ensureFinalizer(run);
    await run.session.patch(buildProcessingStatus(type, 'Restoring Extension resource', this.now()));
    try {
      await this.options.actuator.restore(run.context);
    } catch (err) {
      return this.recordFailure(run, type, 'Unable to restore Extension resource', err);
    }
    await run.session.patch(
      buildSuccessStatus(type, 'Successfully restored Extension resource', this.generation(run), this.now()),
    );
    await this.removeOperationAnnotation(run);
    run.logger.info('Successfully restored Extension');
    return undefined;
  }

  private async migrate(run: Run): Promise<ReconcileOutcome> {
    const type = operationTypes.migrate;
    await run.session.patch(buildProcessingStatus(type, 'Migrate Extension resource.', this.now()));
    try {
      await this.options.actuator.migrate(run.context);
    } catch (err) {
      return this.recordFailure(run, type, 'Error migrating Extension resource', err);
    }
    await run.session.patch(
      buildSuccessStatus(type, 'Successfully migrated Extension resource', this.generation(run), this.now()),
    );
    await this.removeFinalizers(run, true);
    await this.removeOperationAnnotation(run);
    run.logger.info('Successfully migrated Extension');
    return undefined;
  }

  /** A precondition failed (e.g. undecodable Cluster): recorded like an actuator error, after Processing. */
  private async failBeforeActuator(run: Run, type: OperationType, err: Error): Promise<ReconcileOutcome> {
    await this.ensureFinalizer(run);
    await run.session.patch(buildProcessingStatus(type, 'Reconciling the Extension', this.now()));
    return this.recordFailure(run, type, 'Error reconciling Extension', err);
  }

  /**
   * Records a failed operation and rethrows it: the queue decides what comes next (a timed
   * requeue for a `RequeueAfterError`, backoff, or no retry when terminal). A `RequeueAfterError`
   * without cause is progress ("still waiting"): lastOperation stays Processing with its message.
   * Any other error becomes the Error status. The status is written with its own deadline.
   */
  private async recordFailure(
    run: Run,
    type: OperationType,
    description: string,
    err: unknown,
  ): Promise<never> {
    const requeue = findError(err, RequeueAfterError);
    if (requeue && requeue.cause === undefined) {
      const processing = buildProcessingStatus(type, formatLastErrDescription(requeue.message), this.now());
      await run.session.patch(processing);
      run.logger.info('Operation in progress, requeueing', {
        requeueAfterMs: requeue.requeueAfterMs,
        reason: requeue.message,
      });
      throw err;
    }
    let recorded = requeue?.cause ?? err;
    if (isInternalError(recorded)) {
      // A bug or a library's surprise, not something a user can act on: the status says where,
      // the log line (found by reconcileID) has the stack.
      const step = run.session.current.status?.lastOperation?.description ?? type;
      run.logger.error('Internal error', { step, error: recorded });
      recorded = describeInternalError(step, run.reconcileID);
    }
    try {
      await run.session.patch(
        buildErrorStatus(type, description, recorded, this.generation(run), this.now()),
      );
    } catch (statusErr) {
      run.logger.error('Could not record the error in the status', { error: errorMessage(statusErr) });
    }
    throw err;
  }

  private async ensureFinalizer(run: Run): Promise<void> {
    const current = run.session.current;
    const finalizers = current.metadata.finalizers ?? [];
    if (finalizers.includes(extensionFinalizer)) return;
    try {
      run.session.track(
        await this.options.store.patchExtensionMetadata(
          current,
          { finalizers: [...finalizers, extensionFinalizer] },
          { resourceVersion: current.metadata.resourceVersion },
        ),
      );
    } catch (err) {
      throw new Error(`failed to add finalizer: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async removeFinalizers(run: Run, all: boolean): Promise<void> {
    const current = run.session.current;
    const finalizers = current.metadata.finalizers ?? [];
    const remaining = all ? [] : finalizers.filter((f) => f !== extensionFinalizer);
    if (remaining.length === finalizers.length) return;
    try {
      run.session.track(
        await this.options.store.patchExtensionMetadata(
          current,
          { finalizers: remaining.length === 0 ? null : remaining },
          { resourceVersion: current.metadata.resourceVersion },
        ),
      );
    } catch (err) {
      throw new Error(`failed to remove finalizer: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async removeOperationAnnotation(run: Run): Promise<void> {
    const current = run.session.current;
    if (current.metadata.annotations?.[operationAnnotation] === undefined) return;
    run.session.track(
      await this.options.store.patchExtensionMetadata(current, {
        annotations: { [operationAnnotation]: null },
      }),
    );
  }

  private generation(run: Run): number | undefined {
    return run.session.current.metadata.generation;
  }

  private now(): Date {
    return this.options.statusWriter.now();
  }
}
