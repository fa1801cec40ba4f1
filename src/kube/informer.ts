import type { KubeConnection } from './kube-connection.js';
import { describeApiError } from './errors.js';
import type { Logger } from '../log/logger.js';
import type { RequestTimeouts } from './http-transport.js';
import type { KubeRequestObserver } from './kubeconfig.js';
import { runListWatch, type ListWatchEventType } from './list-watch.js';
import { KubeRawClient } from './raw-client.js';

/** The object fields an informer needs. */
export interface InformedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** A list response. */
export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** Handlers of informer events. */
export interface InformerHandlers<T> {
  add?: (object: T) => void;
  update?: (oldObject: T, newObject: T) => void;
  delete?: (object: T) => void;
}

/** Options of a {@link ResilientInformer}. */
export interface InformerOptions<T> {
  kubeConfig: KubeConnection;
  /** Collection path, e.g. `/apis/extensions.gardener.cloud/v1alpha1/extensions`. */
  path: string;
  list: () => Promise<ObjectList<T>>;
  logger: Logger;
  handlers: InformerHandlers<T>;
  /** Backoff after a failed list or watch: doubles from `minBackoffMs` to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Server-side watch timeout range in seconds (client-go uses 5–10 minutes) against silent stalls. */
  watchTimeoutSeconds?: [number, number];
  observer?: KubeRequestObserver;
  /** Connect timeout and the time until a watch's response headers; none when unset. */
  timeouts?: RequestTimeouts;
}

function keyOf(object: InformedObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * A list-watch cache that survives errors. client-node's informer relists only on HTTP 410 and
 * stops on any other error; this one relists after every error, with exponential backoff, and
 * re-opens watches the server closes. Events are diffs of the cache, so a relist after an outage
 * reports what changed meanwhile (including deletions).
 */
export class ResilientInformer<T extends InformedObject> {
  private readonly cache = new Map<string, T>();
  private synced = false;
  private readonly client: KubeRawClient;
  private lifetime: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly syncWaiters: (() => void)[] = [];
  /** How many times the informer recovered from an error (for tests and logs). */
  restarts = 0;

  constructor(private readonly options: InformerOptions<T>) {
    this.client = new KubeRawClient(options.kubeConfig, options.observer, { timeouts: options.timeouts });
  }

  /** Whether the first list succeeded (the cache is usable). */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Starts listing and watching in the background. */
  start(): void {
    if (this.lifetime) return;
    const lifetime = new AbortController();
    this.lifetime = lifetime;
    this.loop = this.run(lifetime.signal);
  }

  /** Stops the watch; resolves once the background loop ended. */
  async stop(): Promise<void> {
    this.lifetime?.abort();
    this.lifetime = undefined;
    await this.loop;
  }

  /** Resolves once the cache has synced, or rejects when `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        reject(new Error('informer did not sync in time', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** The cached object, if any. */
  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  /** All cached objects. */
  list(): T[] {
    return [...this.cache.values()];
  }

  private async run(signal: AbortSignal): Promise<void> {
    const [low, high] = this.options.watchTimeoutSeconds ?? [300, 600];
    await runListWatch<T>({
      client: this.client,
      path: this.options.path,
      list: async () => {
        const list = await this.options.list();
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      onListed: (items) => {
        this.replace(items);
      },
      onEvent: (type, object) => {
        this.onWatchEvent(type, object);
      },
      signal,
      watchTimeoutSeconds: () => Math.floor(low + Math.random() * (high - low)),
      // A normal close re-watches from where it was; 410 Gone relists at once.
      afterClose: 'rewatch',
      relistOnGone: true,
      failOnQuietClose: true,
      onFailure: (err, phase, failures) => {
        const error =
          phase === 'list'
            ? new Error(`list ${this.options.path}: ${describeApiError(err)}`, { cause: err })
            : err;
        this.restarts += 1;
        const min = this.options.minBackoffMs ?? 500;
        const delay = Math.min(min * 2 ** (failures - 1), this.options.maxBackoffMs ?? 30_000);
        this.options.logger.info('Informer failed, restarting', {
          path: this.options.path,
          error: describeApiError(error),
          retryInMs: delay,
        });
        return delay;
      },
    });
  }

  /** Makes the cache the listed objects, reporting what changed since the last view. */
  private replace(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const object of items) {
      const key = keyOf(object);
      seen.add(key);
      this.upsert(key, object);
    }
    for (const [key, object] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit(() => this.options.handlers.delete?.(object));
    }
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private upsert(key: string, object: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, object);
    if (!old) this.emit(() => this.options.handlers.add?.(object));
    else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
      this.emit(() => this.options.handlers.update?.(old, object));
    }
  }

  private emit(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.options.logger.error('Informer event handler failed', {
        path: this.options.path,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Applies one watched change to the cache. */
  private onWatchEvent(type: ListWatchEventType, object: T): void {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(keyOf(object), object);
        break;
      case 'DELETED':
        if (this.cache.delete(keyOf(object))) this.emit(() => this.options.handlers.delete?.(object));
        break;
    }
  }
}
