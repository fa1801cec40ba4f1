import type { Cluster, Extension, ExtensionStatus } from '../gardener/types.js';
import type { Logger } from '../log/logger.js';

/** Event types Kubernetes knows. */
export type EventType = 'Normal' | 'Warning';

/** Records Kubernetes Events on the Extension being reconciled; repeats are aggregated. */
export interface EventRecorder {
  /** Records an event; `reason` is UpperCamelCase, `message` a sentence. Never throws. */
  event(type: EventType, reason: string, message: string): void;
}

/** What every actuator method receives. */
export interface ActuatorContext {
  /** The Extension as read at the start of this reconcile (after the operation annotation was handled). */
  extension: Extension;
  /**
   * The decoded Cluster named after the Extension's namespace. Always set for Reconcile and
   * Restore of `shoot`-class Extensions (a missing or undecodable Cluster fails the operation
   * before the actuator runs); may be `undefined` for Delete, ForceDelete and Migrate (cleanup
   * must not depend on it) and for `seed`/`garden` classes.
   */
  cluster: Cluster | undefined;
  /** The reconcile deadline (`--reconcile-timeout`); aborted when it passes or on shutdown. */
  signal: AbortSignal;
  /** Logger with `reconcileID` and the Extension reference on every line. */
  logger: Logger;
  /** Events on this Extension. */
  events: EventRecorder;
  /**
   * The one status writer of this reconcile: merge-patches `status` fields the actuator owns
   * (`conditions`, `state`, `providerStatus`) or the progress text. Leave lastOperation,
   * lastError and observedGeneration to the reconciler.
   */
  status: ExtensionStatusSession;
}

/** Writes the status of one Extension during one reconcile; see status-writer.ts. */
export interface ExtensionStatusSession {
  /** The Extension as last read or written. */
  readonly current: Extension;
  /** Merge-patches `status` (skipped when nothing changes); never uses the reconcile deadline. */
  patch(status: ExtensionStatus): Promise<void>;
  /** Updates `lastOperation.description` of the running operation (e.g. what it waits for). */
  progress(description: string): Promise<void>;
}

/**
 * The domain work of an extension controller (Gardener's five-method Actuator). The generic
 * reconciler owns everything else: finalizer, operation annotation, lastOperation/lastError,
 * observedGeneration. A method signals "not done yet, come back later" by throwing a
 * `RequeueAfterError`, and a user error by throwing a `ConfigurationError` (not retried until the
 * Extension changes); any other error is retried with backoff. Every method must be idempotent:
 * it may run again after a crash, a timeout or a conflict, and must then not redo finished work.
 * Methods must stop promptly when `signal` aborts.
 */
export interface Actuator {
  /**
   * Called for Create and Reconcile (the finalizer is already on the Extension). Must bring the
   * shoot to the desired state of `spec.providerConfig`; when it returns, the Extension is
   * reported `Succeeded`.
   */
  reconcile(context: ActuatorContext): Promise<void>;
  /**
   * Called once the Extension has a deletionTimestamp (and our finalizer). Must clean up what
   * the extension owns; when it returns, the finalizer is removed.
   */
  delete(context: ActuatorContext): Promise<void>;
  /**
   * Called instead of `delete` when the shoot is force-deleted. Must not block on an unreachable
   * shoot; when it returns, the finalizer is removed.
   */
  forceDelete(context: ActuatorContext): Promise<void>;
  /**
   * Called on the `migrate` operation annotation, in the source seed of a control-plane
   * migration. Must keep in `status.state` what a restore needs and must not touch the shoot's
   * workloads; afterwards all finalizers and the annotation are removed.
   */
  migrate(context: ActuatorContext): Promise<void>;
  /**
   * Called on the `restore` operation annotation, in the destination seed, after gardenlet copied
   * `status.state` back. Must restore from it without redoing finished work; afterwards the
   * annotation is removed.
   */
  restore(context: ActuatorContext): Promise<void>;
  /**
   * Called once on shutdown, after the last reconcile ended (or was cut short). Must end the
   * actuator's background watches and connections, so the process can exit.
   */
  close?(): Promise<void>;
}
