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
 * Wakes an Extension's key the moment objects it waits for change (in the shoot, or its seed
 * secrets), so a bootstrap that returned "requeue later" resumes at once instead of polling.
 * Watches are named per key; a new one replaces the one of the same name; each gives up after
 * `maxWatchMs` (the requeue-after fallback still holds).
 */
export class ShootWaker {
  private readonly watches = new Map<string, Map<string, AbortController>>();
  private stopped = false;

  constructor(
    private readonly wake: (key: string) => void,
    private readonly logger: Logger,
    private readonly maxWatchMs = 10 * 60 * 1000,
  ) {}

  /**
   * Watches `collections` through `client` and wakes `key` on their first change; `onChange`
   * runs then too (e.g. to end a wait of the running reconcile, so the wake-up comes now).
   */
  wakeOnChange(
    key: string,
    name: string,
    client: KubeRawClient,
    collections: readonly WatchedCollection[],
    onChange?: () => void,
  ): void {
    // After shutdown began, a reconcile still finishing must not open new watches.
    if (this.stopped) return;
    const named = this.watches.get(key) ?? new Map<string, AbortController>();
    this.watches.set(key, named);
    named.get(name)?.abort();
    const controller = new AbortController();
    named.set(name, controller);
    const forget = () => {
      if (named.get(name) === controller) named.delete(name);
    };
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
        forget();
        if (outcome.done && !controller.signal.aborted) {
          this.wake(key);
          onChange?.();
        }
      })
      .catch((err: unknown) => {
        deadline.dispose();
        forget();
        this.logger.debug('Shoot watch ended', { key, error: (err as Error).message });
      });
  }

  /** Stops the watches of a key (its bootstrap finished, or the Extension is gone). */
  cancel(key: string): void {
    for (const controller of this.watches.get(key)?.values() ?? []) controller.abort();
    this.watches.delete(key);
  }

  /** Stops every watch and opens no new ones (shutdown). */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.watches.keys()]) this.cancel(key);
  }
}
