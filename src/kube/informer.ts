import type { KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from './errors.js';
import type { Logger } from '../log/logger.js';
import type { RequestTimeouts } from './http-transport.js';
import type { KubeRequestObserver } from './kubeconfig.js';
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
  kubeConfig: KubeConfig;
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

class WatchEnded extends Error {
  constructor(
    message: string,
    readonly relist: boolean,
  ) {
    super(message);
  }
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
  private resourceVersion = '';
  private stopped = true;
  private synced = false;
  private readonly client: KubeRawClient;
  private currentWatch: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
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
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops the watch; resolves once the background loop ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.currentWatch?.abort();
    this.wakeUp?.();
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

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        failures = 0;
        await this.watchOnce();
      } catch (err) {
        if (this.isStopped()) break;
        if (err instanceof WatchEnded) {
          // A normal close re-watches from where it was; 410 Gone relists at once.
          if (err.relist) this.resourceVersion = '';
          continue;
        }
        this.resourceVersion = '';
        failures += 1;
        this.restarts += 1;
        const min = this.options.minBackoffMs ?? 500;
        const delay = Math.min(min * 2 ** (failures - 1), this.options.maxBackoffMs ?? 30_000);
        this.options.logger.info('Informer failed, restarting', {
          path: this.options.path,
          error: describeApiError(err),
          retryInMs: delay,
        });
        await this.sleep(delay);
      }
    }
  }

  /** Read through a method: `stop()` flips it while the loop awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async relist(): Promise<void> {
    let list: ObjectList<T>;
    try {
      list = await this.options.list();
    } catch (err) {
      throw new Error(`list ${this.options.path}: ${describeApiError(err)}`, {
        cause: err,
      });
    }
    const seen = new Set<string>();
    for (const object of list.items) {
      const key = keyOf(object);
      seen.add(key);
      this.upsert(key, object);
    }
    for (const [key, object] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit(() => this.options.handlers.delete?.(object));
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
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

  /** One watch from the current resourceVersion; always ends by throwing WatchEnded or an error. */
  private async watchOnce(): Promise<never> {
    const [low, high] = this.options.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.floor(low + Math.random() * (high - low));
    const started = Date.now();
    let events = 0;
    const controller = new AbortController();
    this.currentWatch = controller;
    // stop() may have run while the relist awaited: then there is nothing to watch for.
    if (this.isStopped()) controller.abort();
    try {
      await this.client.watch(
        {
          path: this.options.path,
          query: { resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
          timeoutSeconds,
          signal: controller.signal,
        },
        ({ type, object }) => {
          events += 1;
          this.onWatchEvent(type, object as T & { code?: number; message?: string });
        },
      );
    } finally {
      this.currentWatch = undefined;
    }
    // A watch the server closed at once without events means something is off: back off then.
    if (events === 0 && Date.now() - started < 1000 && !this.stopped) {
      throw new Error('watch closed immediately');
    }
    throw new WatchEnded('watch closed', false);
  }

  /** Applies one event to the cache; an ERROR event throws, which ends the watch. */
  private onWatchEvent(phase: string, object: T & { code?: number; message?: string }): void {
    switch (phase) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(keyOf(object), object);
        break;
      case 'DELETED': {
        const key = keyOf(object);
        if (this.cache.delete(key)) this.emit(() => this.options.handlers.delete?.(object));
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR':
        throw object.code === 410
          ? new WatchEnded('resource version too old', true)
          : new Error(`watch error: ${object.message ?? 'unknown'}`);
      default:
        return;
    }
    const resourceVersion = object.metadata?.resourceVersion;
    if (resourceVersion) this.resourceVersion = resourceVersion;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }
}
