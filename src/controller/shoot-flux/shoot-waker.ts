import type { KubeRawClient } from '../../kube/raw-client.js';
import { waitForCollections, type WatchedCollection } from '../../kube/watch.js';
import type { Logger } from '../../log/logger.js';
import { startDeadline } from '../deadline.js';

interface Versioned {
  metadata?: { resourceVersion?: string };
}

function fingerprint(collections: readonly unknown[][]): string {
  return collections
    .map((objects) =>
      (objects as Versioned[])
        .map((o) => o.metadata?.resourceVersion ?? '')
        .sort()
        .join(','),
    )
    .join('|');
}

/**
 * Wakes an Extension's key the moment shoot objects it waits for change, so a bootstrap that
 * returned "requeue later" resumes at once instead of polling. One watch per key; a new one
 * replaces the old; each gives up after `maxWatchMs` (the requeue-after fallback still holds).
 */
export class ShootWaker {
  private readonly watches = new Map<string, AbortController>();

  constructor(
    private readonly wake: (key: string) => void,
    private readonly logger: Logger,
    private readonly maxWatchMs = 10 * 60 * 1000,
  ) {}

  /** Watches `collections` of the shoot and wakes `key` on their first change. */
  wakeOnChange(key: string, client: KubeRawClient, collections: readonly WatchedCollection[]): void {
    this.cancel(key);
    const controller = new AbortController();
    this.watches.set(key, controller);
    const deadline = startDeadline(this.maxWatchMs, [controller.signal]);
    const signal = deadline.signal;
    let initial: string | undefined;
    void waitForCollections(client, {
      collections,
      signal,
      evaluate: (objects) => {
        const current = fingerprint(objects);
        initial ??= current;
        return { done: current !== initial, progress: undefined };
      },
    })
      .then((outcome) => {
        deadline.dispose();
        if (this.watches.get(key) === controller) this.watches.delete(key);
        if (outcome.done && !controller.signal.aborted) this.wake(key);
      })
      .catch((err: unknown) => {
        deadline.dispose();
        if (this.watches.get(key) === controller) this.watches.delete(key);
        this.logger.debug('Shoot watch ended', { key, error: (err as Error).message });
      });
  }

  /** Stops the watch of a key (its bootstrap finished, or the Extension is gone). */
  cancel(key: string): void {
    this.watches.get(key)?.abort();
    this.watches.delete(key);
  }

  /** Stops every watch (shutdown). */
  stop(): void {
    for (const controller of this.watches.values()) controller.abort();
    this.watches.clear();
  }
}
