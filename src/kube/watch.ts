import { discardLogger, type Logger } from '../log/logger.js';
import { KubernetesApiError, describeApiError } from './errors.js';
import { runListWatch } from './list-watch.js';
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
      await runListWatch<ListedObject>({
        client,
        path: collection.path,
        labelSelector: collection.labelSelector,
        fieldSelector: collection.fieldSelector,
        list: async (signal) => {
          const { body } = await client.request({
            method: 'GET',
            path: collection.path,
            query: { labelSelector: collection.labelSelector, fieldSelector: collection.fieldSelector },
            signal,
            verb: 'list',
            object: collection.path,
          });
          const list = (body ?? {}) as ListBody;
          return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
        },
        onListed: (items) => {
          view.clear();
          for (const item of items) view.set(keyOf(item), item);
          listed[index] = true;
          check();
        },
        onEvent: (type, object) => {
          if (type === 'DELETED') view.delete(keyOf(object));
          else view.set(keyOf(object), object);
          check();
        },
        signal: settledSignal,
        watchTimeoutSeconds: () => options.watchTimeoutSeconds ?? 300,
        // Each closed watch re-lists, so the view never trusts a resourceVersion twice.
        afterClose: 'relist',
        relistOnGone: false,
        failOnQuietClose: false,
        onFailure: (err, phase) => {
          // Forbidden or a missing API will not heal by waiting; anything else is retried.
          if (
            phase === 'list' &&
            err instanceof KubernetesApiError &&
            (err.statusCode === 401 || err.statusCode === 403)
          ) {
            throw err;
          }
          if (phase === 'list') {
            logger.debug('List failed, retrying', { path: collection.path, error: describeApiError(err) });
          } else {
            const message = err instanceof Error ? err.message : String(err);
            logger.debug('Watch ended, re-listing', { path: collection.path, error: message });
          }
          return options.restartDelayMs ?? 1_000;
        },
      });
    };
    for (const [index] of options.collections.entries()) {
      run(index).catch((err: unknown) => {
        finish(err instanceof Error ? err : new Error(String(err)));
      });
    }
  });
}
