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
 *
 * A change seen while the key's own reconcile runs (between `begin` and `end`) is held until that
 * reconcile ends: most such changes are the reconcile's own doing or Flux answering it. If the
 * reconcile finished the bootstrap (`cancel`), the held wake-up is dropped, so a bootstrapped
 * shoot is reconciled again only on a real change; otherwise it is delivered at `end`.
 */
export class ShootWaker {
  private readonly watches = new Map<string, Map<string, AbortController>>();
  /** Keys whose reconcile runs, and whether a wake-up was held for them meanwhile. */
  private readonly running = new Map<string, boolean>();
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
          if (this.running.has(key)) this.running.set(key, true);
          else this.wake(key);
          onChange?.();
        }
      })
      .catch((err: unknown) => {
        deadline.dispose();
        forget();
        this.logger.debug('Shoot watch ended', { key, error: (err as Error).message });
      });
  }

  /** A reconcile of `key` starts: wake-ups of its watches are held until `end`. */
  begin(key: string): void {
    this.running.set(key, false);
  }

  /** The reconcile of `key` ended: a wake-up held meanwhile (and not cancelled) is delivered now. */
  end(key: string): void {
    const held = this.running.get(key) === true;
    this.running.delete(key);
    if (held && !this.stopped) this.wake(key);
  }

  /**
   * Stops the watches of a key and drops a wake-up they held (its bootstrap finished, or the
   * Extension is gone).
   */
  cancel(key: string): void {
    for (const controller of this.watches.get(key)?.values() ?? []) controller.abort();
    this.watches.delete(key);
    if (this.running.has(key)) this.running.set(key, false);
  }

  /** The names of the watches open for `key` (e.g. `flux-install`), for leak checks. */
  watchesOf(key: string): string[] {
    return [...(this.watches.get(key)?.keys() ?? [])];
  }

  /** Stops every watch and opens no new ones (shutdown). */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.watches.keys()]) this.cancel(key);
  }
}
