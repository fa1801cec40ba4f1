import { discardLogger, type Logger } from '../log/logger.js';
import { KubernetesApiError, describeApiError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';

/** One collection to keep an up-to-date view of: its API path and optional selectors. */
export interface WatchedCollection {
  /** e.g. `/apis/apps/v1/namespaces/flux-system/deployments`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Outcome of an evaluation of the watched objects: done, and the progress to report either way. */
export interface WatchEvaluation<P> {
  readonly done: boolean;
  readonly progress: P;
}

/** How waitForCollections waits. */
export interface WaitForCollectionsOptions<P> {
  readonly collections: readonly WatchedCollection[];
  /** Called with the current objects of each collection (same order) after every change. */
  readonly evaluate: (objects: readonly unknown[][]) => WatchEvaluation<P>;
  /** The caller's deadline: when it aborts, the last progress is returned (not thrown). */
  readonly signal: AbortSignal;
  readonly logger?: Logger;
  /** Pause before re-listing after a watch ended with an error. Default 1 s. */
  readonly restartDelayMs?: number;
  /** How long the server keeps one watch open before it is re-opened. Default 300 s. */
  readonly watchTimeoutSeconds?: number;
}

interface ListedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

interface ListBody {
  metadata?: { resourceVersion?: string };
  items?: ListedObject[];
}

function keyOf(object: ListedObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
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
 * Waits by watching: lists each collection, then watches it from the list's resourceVersion and
 * re-evaluates on every event, resolving the moment `evaluate` says done. Never blocks past the
 * signal: when it aborts, resolves with `done: false` and the last progress. A watch that ends
 * (server timeout, 410 Gone, network) is re-listed and re-watched.
 */
export async function waitForCollections<P>(
  client: KubeRawClient,
  options: WaitForCollectionsOptions<P>,
): Promise<WatchEvaluation<P>> {
  const logger = (options.logger ?? discardLogger).named('watch');
  if (options.signal.aborted) {
    throw new Error('the deadline passed before waiting began', { cause: options.signal.reason });
  }
  const views = options.collections.map(() => new Map<string, unknown>());
  const evaluate = () => options.evaluate(views.map((view) => [...view.values()]));
  let last: WatchEvaluation<P> | undefined;

  return new Promise<WatchEvaluation<P>>((resolve, reject) => {
    // Ends every list and watch of this wait the moment it settles (done, deadline, or failure).
    const settling = new AbortController();
    const settledSignal = settling.signal;
    // Read through a function, so the compiler does not narrow it across the awaits that change it.
    const state = { settled: false };
    const isSettled = () => state.settled;
    const listed = options.collections.map(() => false);
    const finish = (result: WatchEvaluation<P> | Error) => {
      if (isSettled()) return;
      state.settled = true;
      options.signal.removeEventListener('abort', onAbort);
      settling.abort(new Error('the wait ended'));
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const check = () => {
      // Judge only once every collection has been listed.
      if (state.settled || !listed.every(Boolean)) return;
      last = evaluate();
      if (last.done) finish(last);
    };
    const onAbort = () => {
      finish(last ?? evaluate());
    };
    options.signal.addEventListener('abort', onAbort, { once: true });

    const run = async (index: number): Promise<void> => {
      const collection = options.collections[index];
      const view = views[index];
      if (!collection || !view) return;
      while (!isSettled()) {
        let resourceVersion: string;
        try {
          const { body } = await client.request({
            method: 'GET',
            path: collection.path,
            query: { labelSelector: collection.labelSelector, fieldSelector: collection.fieldSelector },
            signal: settledSignal,
            verb: 'list',
            object: collection.path,
          });
          const list = (body ?? {}) as ListBody;
          view.clear();
          for (const item of list.items ?? []) view.set(keyOf(item), item);
          resourceVersion = list.metadata?.resourceVersion ?? '';
          listed[index] = true;
        } catch (err) {
          if (isSettled()) return;
          // Forbidden or a missing API will not heal by waiting; anything else is retried.
          if (err instanceof KubernetesApiError && (err.statusCode === 401 || err.statusCode === 403)) {
            finish(err);
            return;
          }
          logger.debug('List failed, retrying', { path: collection.path, error: describeApiError(err) });
          await pause(options.restartDelayMs ?? 1_000, options.signal);
          continue;
        }
        check();
        if (isSettled()) return;
        const ended = await client
          .watch(
            {
              path: collection.path,
              query: {
                resourceVersion,
                allowWatchBookmarks: true,
                labelSelector: collection.labelSelector,
                fieldSelector: collection.fieldSelector,
              },
              timeoutSeconds: options.watchTimeoutSeconds ?? 300,
              signal: settledSignal,
            },
            ({ type, object }) => {
              const listed = object as ListedObject;
              if (type === 'ADDED' || type === 'MODIFIED') view.set(keyOf(listed), listed);
              else if (type === 'DELETED') view.delete(keyOf(listed));
              else if (type === 'ERROR')
                throw new KubernetesApiError(
                  'watch',
                  collection.path,
                  undefined,
                  undefined,
                  'error event (e.g. 410 Gone)',
                );
              else return;
              check();
            },
          )
          .then(
            () => undefined,
            (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
          );
        if (isSettled()) return;
        if (ended) {
          logger.debug('Watch ended, re-listing', { path: collection.path, error: ended.message });
          await pause(options.restartDelayMs ?? 1_000, options.signal);
        }
      }
    };
    for (const [index] of options.collections.entries()) {
      run(index).catch((err: unknown) => {
        finish(err instanceof Error ? err : new Error(String(err)));
      });
    }
  });
}
