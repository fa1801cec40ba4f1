import { KubernetesApiError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';

/** One list of a collection: its objects and the resourceVersion a watch continues from. */
export interface ListedCollection<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

/** The changes a watch reports; bookmarks and errors are handled by the loop itself. */
export type ListWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Which half of the loop failed. */
export type ListWatchPhase = 'list' | 'watch';

/** Options of {@link runListWatch}: where to list and watch, what to do with it, how to recover. */
export interface ListWatchOptions<T> {
  /** The watch goes through it (the list too, when `list` uses it). */
  readonly client: KubeRawClient;
  /** Collection path, e.g. `/apis/apps/v1/namespaces/flux-system/deployments`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Lists the collection. */
  readonly list: (signal: AbortSignal) => Promise<ListedCollection<T>>;
  /** Called with every successful list's objects, before the watch starts. */
  readonly onListed: (items: readonly T[]) => void;
  /** Called with every change; throwing ends the watch as a failure. */
  readonly onEvent: (type: ListWatchEventType, object: T) => void;
  /** Ends the loop: the list or watch in flight is cut and a pause ends at once. */
  readonly signal: AbortSignal;
  /** Asked of the server for each watch. */
  readonly watchTimeoutSeconds: () => number;
  /**
   * After the server closes a watch in the normal way: `rewatch` from the last resourceVersion
   * seen (an informer), or `relist` (a one-off wait that wants a fresh view each time).
   */
  readonly afterClose: 'rewatch' | 'relist';
  /** A watch ERROR event 410 (resource version too old) relists at once instead of failing. */
  readonly relistOnGone: boolean;
  /** A watch the server closes within a second, without an event, counts as a failure. */
  readonly failOnQuietClose: boolean;
  /**
   * Decides how to go on after a failed list or watch: returns the pause in ms before the next
   * list, or throws to end the loop with that error. `failures` counts failures since the last
   * successful list or watch start (1 on the first).
   */
  readonly onFailure: (err: unknown, phase: ListWatchPhase, failures: number) => number;
}

interface WatchedObject {
  code?: number;
  reason?: string;
  message?: string;
  metadata?: { resourceVersion?: string };
}

/** A watch ended in the normal way (`gone`: the resourceVersion is too old to continue from). */
class WatchClosed extends Error {
  constructor(readonly gone: boolean) {
    super(gone ? 'resource version too old' : 'watch closed');
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The one list-and-watch loop: lists a collection, watches it from the list's resourceVersion,
 * and recovers from every ending (server timeout, 410 Gone, network, error events) by
 * re-watching or re-listing as the options say. Resolves when `signal` aborts; rejects only when
 * `onFailure` or `onListed` throws. The informer and the wait-by-watching helper both run on it.
 */
export async function runListWatch<T>(options: ListWatchOptions<T>): Promise<void> {
  const { signal } = options;
  // Read through a function, so the compiler does not narrow it across the awaits that change it.
  const stopped = () => signal.aborted;
  let resourceVersion = '';
  let failures = 0;
  const recover = async (err: unknown, phase: ListWatchPhase) => {
    resourceVersion = '';
    failures += 1;
    await pause(options.onFailure(err, phase, failures), signal);
  };
  while (!stopped()) {
    if (!resourceVersion) {
      let listed: ListedCollection<T>;
      try {
        listed = await options.list(signal);
      } catch (err) {
        if (stopped()) return;
        await recover(err, 'list');
        continue;
      }
      options.onListed(listed.items);
      resourceVersion = listed.resourceVersion;
    }
    failures = 0;
    if (stopped()) return;
    let closed: WatchClosed;
    try {
      closed = await watchOnce(options, resourceVersion, (seen) => {
        resourceVersion = seen;
      });
    } catch (err) {
      if (stopped()) return;
      await recover(err, 'watch');
      continue;
    }
    if (closed.gone || options.afterClose === 'relist') resourceVersion = '';
  }
}

/** One watch; resolves when the server closes it, rejects on a failure or an error event. */
async function watchOnce<T>(
  options: ListWatchOptions<T>,
  resourceVersion: string,
  onResourceVersion: (resourceVersion: string) => void,
): Promise<WatchClosed> {
  const started = Date.now();
  // Written by the event callback; an object, so the compiler does not narrow it across the await.
  const seen = { events: 0, gone: false };
  await options.client
    .watch(
      {
        path: options.path,
        query: {
          resourceVersion,
          allowWatchBookmarks: true,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
        },
        timeoutSeconds: options.watchTimeoutSeconds(),
        signal: options.signal,
      },
      ({ type, object }) => {
        seen.events += 1;
        const watched = (object ?? {}) as WatchedObject;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            options.onEvent(type, object as T);
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            if (watched.code === 410 && options.relistOnGone) {
              seen.gone = true;
              // Ends the stream; the loop relists at once.
              throw new WatchClosed(true);
            }
            throw new KubernetesApiError(
              'watch',
              options.path,
              watched.code,
              watched.reason,
              watched.message ?? 'error event (e.g. 410 Gone)',
            );
          default:
            return;
        }
        const version = watched.metadata?.resourceVersion;
        if (version) onResourceVersion(version);
      },
    )
    .catch((err: unknown) => {
      if (err instanceof WatchClosed) return;
      throw err;
    });
  // A watch the server closed at once without events means something is off: back off then.
  if (
    options.failOnQuietClose &&
    seen.events === 0 &&
    Date.now() - started < 1000 &&
    !options.signal.aborted
  ) {
    throw new Error('watch closed immediately');
  }
  return new WatchClosed(seen.gone);
}
