import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../gardener/status.js';
import { systemClock, type Clock } from '../kube/clock.js';
import { findError, isTerminalError, RequeueAfterError } from './errors.js';

/** What a reconcile asks of the queue when it succeeds: nothing, or a timed requeue. */
export type ReconcileOutcome = { requeueAfterMs?: number } | undefined;

/** How a queue reports a finished reconcile (for metrics). */
export type ReconcileResult = 'success' | 'requeue_after' | 'error' | 'terminal_error';

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Most reconciles running at the same time (`--max-concurrent-reconciles`). */
  concurrency: number;
  /**
   * Reconciles one key; throwing means "retry with backoff" unless the error is terminal, or
   * "come back later" for a RequeueAfterError (this queue is the one place that turns it into a
   * timed requeue). `reconcileID` names the run in every log line, the queue's own included.
   */
  handle: (key: string, reconcileID: string) => Promise<ReconcileOutcome>;
  /** Makes the ID of each run (default a random UUID, as controller-runtime). */
  newReconcileID?: () => string;
  logger: Logger;
  clock?: Clock;
  /** First retry delay (controller-runtime: 5ms), doubled per failure up to `maxDelayMs` (1000s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called after each reconcile with its result and duration in seconds. */
  onReconciled?: (result: ReconcileResult, seconds: number) => void;
  /**
   * Whether a failure is slow: the key's server did not answer in time. A key whose last
   * reconcile failed so is "slow" until one succeeds or fails otherwise. Default: none are.
   */
  isSlowFailure?: (err: unknown) => boolean;
  /** Most workers busy with slow keys at once (default half the concurrency, at least 1). */
  maxSlowWorkers?: number;
}

/**
 * A work queue with controller-runtime semantics: it holds keys, not events; a key is processed
 * by one worker at a time; adding a key that is already waiting does nothing; at most
 * `concurrency` keys run at once; failures are retried with per-key exponential backoff that is
 * reset on success; `shutdown` stops taking work and waits for the running reconciles.
 *
 * Fairness: backoff alone does not stop a fleet of silent servers from filling every worker
 * (each of their reconciles lasts a full request timeout). Keys whose last reconcile was slow
 * therefore wait behind every other queued key, and at most `maxSlowWorkers` of them run at
 * once, so the others always keep the remaining workers.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; handle: unknown }>();
  /** Keys whose last reconcile was a slow failure. */
  private readonly slow = new Set<string>();
  /** Running keys that were slow when they started. */
  private readonly processingSlow = new Set<string>();
  private readonly maxSlowWorkers: number;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private started = false;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.clock = options.clock ?? systemClock;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.maxSlowWorkers = options.maxSlowWorkers ?? Math.max(1, Math.floor(options.concurrency / 2));
    if (!Number.isInteger(this.maxSlowWorkers) || this.maxSlowWorkers < 1) {
      throw new RangeError(`maxSlowWorkers must be a positive integer, got ${this.maxSlowWorkers}`);
    }
  }

  /** Keys waiting to be processed (not counting running or delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Keys being reconciled right now. */
  get active(): number {
    return this.processing.size;
  }

  /** Whether the key's last reconcile was a slow failure (it gets only its share of workers). */
  isSlow(key: string): boolean {
    return this.slow.has(key);
  }

  /** Starts handing keys to workers (keys added before are kept). */
  start(): void {
    this.started = true;
    this.pump();
  }

  /** Queues a key; a key already waiting is not queued twice. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.pump();
    }
  }

  /** Queues a key after a delay; of several delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, handle });
  }

  /** Queues a key after its backoff delay (5ms·2^failures, capped) and counts the failure. */
  addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs));
  }

  /** Resets a key's backoff (after a success or a terminal error). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times in a row the key failed. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Stops taking work (queued and delayed keys are dropped) and resolves once no reconcile runs. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { handle } of this.waiting.values()) this.clock.clearTimeout(handle);
    this.waiting.clear();
    this.queue.length = 0;
    this.dirty.clear();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.started && !this.shuttingDown && this.processing.size < this.options.concurrency) {
      const index = this.nextIndex();
      if (index === -1) return;
      const [key] = this.queue.splice(index, 1) as [string];
      this.dirty.delete(key);
      this.processing.add(key);
      if (this.slow.has(key)) this.processingSlow.add(key);
      void this.process(key);
    }
  }

  /** The queued key to run next: the first one that is not slow, else a slow one if under the cap. */
  private nextIndex(): number {
    const healthy = this.queue.findIndex((key) => !this.slow.has(key));
    if (healthy !== -1) return healthy;
    return this.queue.length > 0 && this.processingSlow.size < this.maxSlowWorkers ? 0 : -1;
  }

  private async process(key: string): Promise<void> {
    const started = this.clock.now();
    const reconcileID = (this.options.newReconcileID ?? randomUUID)();
    let result: ReconcileResult;
    try {
      const outcome = await this.options.handle(key, reconcileID);
      this.forget(key);
      if (outcome?.requeueAfterMs !== undefined && outcome.requeueAfterMs > 0) {
        result = 'requeue_after';
        this.addAfter(key, outcome.requeueAfterMs);
      } else {
        result = 'success';
      }
      this.slow.delete(key);
    } catch (err) {
      result = this.handleError(key, reconcileID, err);
      // A timed requeue is progress, not a server that failed to answer.
      if (result !== 'requeue_after' && this.options.isSlowFailure?.(err)) this.slow.add(key);
      else this.slow.delete(key);
    } finally {
      this.processing.delete(key);
      this.processingSlow.delete(key);
    }
    this.options.onReconciled?.(result, (this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.queue.push(key);
    this.pump();
    if (this.processing.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private handleError(key: string, reconcileID: string, err: unknown): ReconcileResult {
    const requeue = findError(err, RequeueAfterError);
    if (requeue) {
      this.forget(key);
      this.addAfter(key, requeue.requeueAfterMs);
      return 'requeue_after';
    }
    if (isTerminalError(err)) {
      // Retrying cannot help; the next change of the object queues it again.
      this.forget(key);
      this.options.logger.error('Reconciler error', {
        key,
        reconcileID,
        error: errorMessage(err),
        terminal: true,
      });
      return 'terminal_error';
    }
    this.options.logger.error('Reconciler error', { key, reconcileID, error: errorMessage(err) });
    this.addRateLimited(key);
    return 'error';
  }
}
