import { randomBytes } from 'node:crypto';
import type { KubeConnection } from './kube-connection.js';
import type { Logger } from '../log/logger.js';
import { redactText } from '../log/redact.js';
import { textLimits, truncateText } from '../log/truncate.js';
import { systemClock, type Clock } from './clock.js';
import { describeApiError } from './errors.js';
import type { KubeRequestObserver } from './kubeconfig.js';
import { KubeRawClient, mergePatchContentType } from './raw-client.js';

/** The object an event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** Event types Kubernetes knows. */
export type KubeEventType = 'Normal' | 'Warning';

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: Date;
}

/** The distinct messages seen for one (object, type, reason) within the current window. */
interface SimilarMessages {
  messages: Set<string>;
  windowStart: number;
}

/** Options of {@link EventRecorderFactory}. */
export interface EventRecorderOptions {
  kubeConfig: KubeConnection;
  /** `source.component` of the events, e.g. `gardener-extension-shoot-flux`. */
  component: string;
  logger: Logger;
  observer?: KubeRequestObserver;
  /** How many distinct events are remembered for aggregation. */
  cacheSize?: number;
  /** Distinct messages per object and reason before they are combined into one Event (client-go: 10). */
  maxSimilarEvents?: number;
  /** The window in which similar messages count (client-go: 10 minutes). */
  similarWindowMs?: number;
  /** Time source (default the system clock). */
  clock?: Clock;
}

/** Prefix of an Event that stands for several similar ones, as client-go writes it. */
export const combinedEventPrefix = '(combined from similar events): ';

/**
 * Records core/v1 Events, correlated as client-go's recorder does. A repeat of the same (object,
 * type, reason, message) increments the existing Event's `count` and `lastTimestamp` instead of
 * creating another. Once an object has had `maxSimilarEvents` distinct messages for one reason
 * within the window, further ones are combined into one Event per reason whose count grows and
 * whose message is the latest. Reasons and messages are redacted and bounded (1 KiB) before
 * anything else. Writes of one Event are serialised, so concurrent repeats never race into
 * duplicates. Recording never throws: a failure is logged.
 */
export class EventRecorderFactory {
  private readonly client: KubeRawClient;
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly similar = new Map<string, SimilarMessages>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: EventRecorderOptions) {
    this.client = new KubeRawClient(options.kubeConfig, options.observer);
    const clock = options.clock ?? systemClock;
    this.now = () => clock.now();
  }

  /** A recorder bound to one object. */
  forObject(subject: EventSubject): { event(type: KubeEventType, reason: string, message: string): void } {
    return {
      event: (type, reason, message) => {
        this.record(subject, type, reason, message);
      },
    };
  }

  /** Records one event in the background. */
  record(subject: EventSubject, type: KubeEventType, reason: string, message: string): void {
    const safeReason = truncateText(redactText(reason), textLimits.eventReason);
    const correlated = this.correlate(subject, type, safeReason, boundEventMessage(message));
    // Chained per Event: a repeat waits for the create of the first, then patches its count.
    const previous = this.chains.get(correlated.key) ?? Promise.resolve();
    const write = previous
      .then(() => this.write(subject, type, safeReason, correlated))
      .catch((err: unknown) => {
        this.options.logger.error('Could not record event', {
          reason: safeReason,
          [subject.kind.toLowerCase()]: {
            namespace: subject.metadata.namespace,
            name: subject.metadata.name,
          },
          error: describeApiError(err),
        });
      });
    this.chains.set(correlated.key, write);
    this.pending.add(write);
    void write.finally(() => {
      this.pending.delete(write);
      if (this.chains.get(correlated.key) === write) this.chains.delete(correlated.key);
    });
  }

  /** Resolves once every event recorded so far was written (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** The aggregation key and message of an event: itself, or the combined Event of its reason. */
  private correlate(
    subject: EventSubject,
    type: KubeEventType,
    reason: string,
    message: string,
  ): { key: string; message: string } {
    const namespace = subject.metadata.namespace ?? 'default';
    const objectKey = subject.metadata.uid ?? `${namespace}/${subject.metadata.name}`;
    const similarKey = [objectKey, type, reason].join('\0');
    const now = this.now();
    let similar = this.similar.get(similarKey);
    if (!similar || now - similar.windowStart > (this.options.similarWindowMs ?? 10 * 60_000)) {
      similar = { messages: new Set(), windowStart: now };
      this.remember(this.similar, similarKey, similar);
    }
    const maxSimilar = this.options.maxSimilarEvents ?? 10;
    if (similar.messages.size < maxSimilar) similar.messages.add(message);
    if (similar.messages.size < maxSimilar) return { key: `${similarKey}\0${message}`, message };
    return {
      key: `${similarKey}\0combined`,
      message: truncateText(`${combinedEventPrefix}${message}`, textLimits.eventMessage),
    };
  }

  /** Inserts into a bounded map, forgetting the oldest entry when full. */
  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > (this.options.cacheSize ?? 4096)) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  private async write(
    subject: EventSubject,
    type: KubeEventType,
    reason: string,
    { key, message }: { key: string; message: string },
  ): Promise<void> {
    const namespace = subject.metadata.namespace ?? 'default';
    const now = new Date(this.now());
    const existing = this.aggregates.get(key);
    const signal = AbortSignal.timeout(10_000);
    if (existing) {
      try {
        await this.client.request({
          method: 'PATCH',
          path: eventPath(existing.namespace, existing.name),
          body: { count: existing.count + 1, lastTimestamp: now.toISOString(), message },
          contentType: mergePatchContentType,
          signal,
          verb: 'patch',
          object: `Event ${existing.namespace}/${existing.name}`,
        });
        existing.count += 1;
        return;
      } catch {
        // The Event expired (TTL) or was deleted: create a new one below.
        this.aggregates.delete(key);
      }
    }
    const name = `${subject.metadata.name}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`;
    await this.client.request({
      method: 'POST',
      path: eventPath(namespace),
      signal,
      verb: 'create',
      object: `Event ${namespace}/${name}`,
      body: {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: subject.apiVersion,
          kind: subject.kind,
          name: subject.metadata.name,
          namespace: subject.metadata.namespace,
          uid: subject.metadata.uid,
          resourceVersion: subject.metadata.resourceVersion,
        },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: now.toISOString(),
        lastTimestamp: now.toISOString(),
        source: { component: this.options.component },
        reportingComponent: this.options.component,
        reportingInstance: this.options.component,
      },
    });
    this.remember(this.aggregates, key, { name, namespace, count: 1, firstTimestamp: now });
  }
}

/** `/api/v1/namespaces/<ns>/events[/<name>]`. */
function eventPath(namespace: string, name?: string): string {
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/events${object}`;
}

/** An Event message as it is written: credential-shaped text redacted, at most 1 KiB. */
export function boundEventMessage(message: string): string {
  return truncateText(redactText(message), textLimits.eventMessage);
}
