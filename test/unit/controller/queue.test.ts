import { describe, expect, it } from 'vitest';
import { ConfigurationError, RequeueAfterError } from '../../../src/controller/errors.js';
import type { Clock } from '../../../src/kube/clock.js';
import { WorkQueue, type ReconcileOutcome } from '../../../src/controller/queue.js';
import { discardLogger, type LogFields, type Logger } from '../../../src/log/logger.js';

/** A clock whose time moves only when the test says so. */
class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 0;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  pendingDelays(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.callback();
  }
}

/** A reconcile the test finishes by hand. */
function controllable() {
  const calls: string[] = [];
  const waiting = new Map<
    string,
    { resolve: (o: ReconcileOutcome) => void; reject: (e: unknown) => void }[]
  >();
  const handle = (key: string) =>
    new Promise<ReconcileOutcome>((resolve, reject) => {
      calls.push(key);
      waiting.set(key, [...(waiting.get(key) ?? []), { resolve, reject }]);
    });
  const settle = async (key: string, outcome: { ok?: ReconcileOutcome; error?: unknown }) => {
    const entry = waiting.get(key)?.shift();
    if (!entry) throw new Error(`no running reconcile of ${key}`);
    if ('error' in outcome) entry.reject(outcome.error);
    else entry.resolve(outcome.ok);
    // Let the queue's continuation run.
    await new Promise((r) => setImmediate(r));
  };
  return { calls, handle, settle };
}

/** A logger that keeps its error lines. */
function recordingLogger(): Logger & { errors: { msg: string; fields?: LogFields }[] } {
  const errors: { msg: string; fields?: LogFields }[] = [];
  const logger: Logger & { errors: typeof errors } = {
    errors,
    error: (msg, fields) => errors.push({ msg, fields }),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    child: () => logger,
    named: () => logger,
  };
  return logger;
}

describe('WorkQueue', () => {
  it('logs "Reconciler error" with the reconcileID of the failed run, as every line of that run', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const ids: string[] = [];
    const logger = recordingLogger();
    const queue = new WorkQueue({
      concurrency: 1,
      handle: (key, reconcileID) => {
        ids.push(reconcileID);
        return r.handle(key);
      },
      logger,
      clock,
      newReconcileID: () => `run-${ids.length + 1}`,
    });
    queue.start();
    queue.add('a');
    await r.settle('a', { error: new Error('boom') });
    clock.advance(1_000);
    await r.settle('a', { error: new Error('wrapped', { cause: new ConfigurationError('bad') }) });
    expect(ids).toEqual(['run-1', 'run-2']);
    expect(logger.errors).toEqual([
      { msg: 'Reconciler error', fields: { key: 'a', reconcileID: 'run-1', error: 'boom' } },
      {
        msg: 'Reconciler error',
        fields: { key: 'a', reconcileID: 'run-2', error: 'wrapped', terminal: true },
      },
    ]);
  });

  it('takes "terminal" from the error, not from its class', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const results: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      handle: r.handle,
      logger: discardLogger,
      clock,
      onReconciled: (result) => results.push(result),
    });
    queue.start();
    queue.add('a');
    const gone = Object.assign(new Error('the object is gone for good'), { terminal: true as const });
    await r.settle('a', { error: new Error('wrapped', { cause: gone }) });
    expect(clock.pendingDelays()).toEqual([]);
    expect(results).toEqual(['terminal_error']);
  });

  it('collapses duplicates and runs one reconcile per key at a time', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const queue = new WorkQueue({ concurrency: 5, handle: r.handle, logger: discardLogger, clock });
    queue.add('a');
    queue.add('a');
    queue.start();
    expect(r.calls).toEqual(['a']);
    queue.add('a'); // while running: remembered once
    queue.add('a');
    expect(r.calls).toEqual(['a']);
    await r.settle('a', {});
    expect(r.calls).toEqual(['a', 'a']);
    await r.settle('a', {});
    expect(r.calls).toEqual(['a', 'a']);
  });

  it('bounds concurrency', async () => {
    const r = controllable();
    const queue = new WorkQueue({
      concurrency: 2,
      handle: r.handle,
      logger: discardLogger,
      clock: new FakeClock(),
    });
    for (const key of ['a', 'b', 'c']) queue.add(key);
    queue.start();
    expect(r.calls).toEqual(['a', 'b']);
    expect(queue.length).toBe(1);
    await r.settle('a', {});
    expect(r.calls).toEqual(['a', 'b', 'c']);
  });

  it('backs off exponentially per key and resets on success', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const queue = new WorkQueue({ concurrency: 1, handle: r.handle, logger: discardLogger, clock });
    queue.start();
    queue.add('a');
    await r.settle('a', { error: new Error('boom') });
    expect(clock.pendingDelays()).toEqual([5]);
    clock.advance(5);
    await r.settle('a', { error: new Error('boom') });
    expect(clock.pendingDelays()).toEqual([10]);
    clock.advance(10);
    await r.settle('a', { error: new Error('boom') });
    expect(clock.pendingDelays()).toEqual([20]);
    clock.advance(20);
    await r.settle('a', {});
    expect(queue.numRequeues('a')).toBe(0);
    queue.add('a');
    await r.settle('a', { error: new Error('again') });
    expect(clock.pendingDelays()).toEqual([5]);
  });

  it('caps the backoff at 1000s', () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({
      concurrency: 1,
      handle: () => Promise.resolve(undefined),
      logger: discardLogger,
      clock,
    });
    for (let i = 0; i < 40; i++) {
      queue.addRateLimited('a');
      clock.advance(2_000_000); // fire it, so the next (longer) delay is not shadowed by an earlier one
    }
    queue.addRateLimited('a');
    expect(clock.pendingDelays()).toEqual([1_000_000]);
  });

  it('requeues after a requested delay without counting a failure', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const queue = new WorkQueue({ concurrency: 1, handle: r.handle, logger: discardLogger, clock });
    queue.start();
    queue.add('a');
    await r.settle('a', { ok: { requeueAfterMs: 60_000 } });
    expect(clock.pendingDelays()).toEqual([60_000]);
    queue.addAfter('a', 1_000); // an earlier request wins
    expect(clock.pendingDelays()).toEqual([1_000]);
    clock.advance(1_000);
    expect(r.calls).toEqual(['a', 'a']);
    await r.settle('a', { error: new RequeueAfterError(30_000, 'waiting') });
    expect(clock.pendingDelays()).toEqual([30_000]);
    expect(queue.numRequeues('a')).toBe(0);
  });

  it('does not retry terminal errors', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const results: string[] = [];
    const queue = new WorkQueue({
      concurrency: 1,
      handle: r.handle,
      logger: discardLogger,
      clock,
      onReconciled: (result) => results.push(result),
    });
    queue.start();
    queue.add('a');
    await r.settle('a', { error: new Error('wrapped', { cause: new ConfigurationError('bad') }) });
    expect(clock.pendingDelays()).toEqual([]);
    expect(results).toEqual(['terminal_error']);
  });

  it('shutdown stops taking work and waits for running reconciles', async () => {
    const clock = new FakeClock();
    const r = controllable();
    const queue = new WorkQueue({ concurrency: 1, handle: r.handle, logger: discardLogger, clock });
    queue.start();
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 100);
    let drained = false;
    const shutdown = queue.shutdown().then(() => {
      drained = true;
    });
    queue.add('d');
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    await r.settle('a', {});
    await shutdown;
    expect(drained).toBe(true);
    clock.advance(100);
    expect(r.calls).toEqual(['a']);
  });

  describe('fairness towards keys whose servers time out', () => {
    const timedOut = new Error('request to shoot API server timed out');
    const isSlowFailure = (err: unknown) => err === timedOut;
    /** A started queue whose reconciles the test settles by hand, on a fake clock. */
    const fairQueue = (concurrency: number, maxSlowWorkers?: number) => {
      const clock = new FakeClock();
      const r = controllable();
      const queue = new WorkQueue({
        concurrency,
        handle: r.handle,
        logger: discardLogger,
        clock,
        isSlowFailure,
        maxSlowWorkers,
      });
      queue.start();
      return { clock, r, queue };
    };

    it('runs at most maxSlowWorkers slow keys at once, so a healthy key still gets a worker', async () => {
      const { clock, r, queue } = fairQueue(4, 2);
      const slow = ['s1', 's2', 's3', 's4', 's5', 's6'];
      for (const key of slow) queue.add(key);
      // First turns: nothing is known about these keys yet, so they take every worker.
      expect(r.calls).toEqual(['s1', 's2', 's3', 's4']);
      for (const key of ['s1', 's2', 's3', 's4']) await r.settle(key, { error: timedOut });
      expect(r.calls).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
      for (const key of ['s5', 's6']) await r.settle(key, { error: timedOut });
      expect(slow.every((key) => queue.isSlow(key))).toBe(true);

      // Their retries come back; only two of them may run at once.
      clock.advance(1_000);
      expect(queue.active).toBe(2);
      expect(queue.length).toBe(4);
      queue.add('healthy');
      expect(r.calls.at(-1)).toBe('healthy');
      expect(queue.active).toBe(3);
    });

    it('runs a healthy key before slow keys queued ahead of it', async () => {
      const { clock, r, queue } = fairQueue(1);
      queue.add('a');
      await r.settle('a', { error: timedOut });
      queue.add('b');
      await r.settle('b', { error: timedOut });
      clock.advance(5); // both retries are due: a runs, b waits
      expect(r.calls).toEqual(['a', 'b', 'a']);
      queue.add('healthy');
      await r.settle('a', { error: timedOut });
      // The worker is free: the healthy key goes first although b queued earlier.
      expect(r.calls).toEqual(['a', 'b', 'a', 'healthy']);
      await r.settle('healthy', {});
      expect(r.calls).toEqual(['a', 'b', 'a', 'healthy', 'b']);
    });

    it('forgets slowness after a reconcile that did not time out', async () => {
      const { clock, r, queue } = fairQueue(2);
      queue.add('a');
      await r.settle('a', { error: timedOut });
      expect(queue.isSlow('a')).toBe(true);
      clock.advance(5);
      await r.settle('a', { error: new Error('HTTP 500') });
      expect(queue.isSlow('a')).toBe(false);
      clock.advance(10);
      await r.settle('a', { error: timedOut });
      clock.advance(20);
      await r.settle('a', {});
      expect(queue.isSlow('a')).toBe(false);
    });

    it('defaults to half the workers, at least one', () => {
      const handle = () => Promise.resolve(undefined);
      expect(() => new WorkQueue({ concurrency: 1, handle, logger: discardLogger })).not.toThrow();
      expect(
        () => new WorkQueue({ concurrency: 2, handle, logger: discardLogger, maxSlowWorkers: 0 }),
      ).toThrow(RangeError);
    });
  });
});
