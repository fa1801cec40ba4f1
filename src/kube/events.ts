import { randomBytes } from 'node:crypto';
import { CoreV1Api, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.js';
import { describeApiError } from './errors.js';
import { callOptions, makeApiClient, type KubeRequestObserver } from './kubeconfig.js';

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

/** Options of {@link EventRecorderFactory}. */
export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  /** `source.component` of the events, e.g. `gardener-extension-shoot-flux`. */
  component: string;
  logger: Logger;
  observer?: KubeRequestObserver;
  /** How many distinct events are remembered for aggregation. */
  cacheSize?: number;
}

/**
 * Records core/v1 Events. A repeat of the same (object, type, reason, message) increments the
 * existing Event's `count` and `lastTimestamp` instead of creating another, as client-go's
 * recorder does. Recording never throws: a failure is logged.
 */
export class EventRecorderFactory {
  private readonly core: CoreV1Api;
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: EventRecorderOptions) {
    this.core = makeApiClient(options.kubeConfig, CoreV1Api, options.observer);
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
    const write = this.write(subject, type, reason, message).catch((err: unknown) => {
      this.options.logger.error('Could not record event', {
        reason,
        [subject.kind.toLowerCase()]: { namespace: subject.metadata.namespace, name: subject.metadata.name },
        error: describeApiError(err),
      });
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Resolves once every event recorded so far was written (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async write(
    subject: EventSubject,
    type: KubeEventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const namespace = subject.metadata.namespace ?? 'default';
    const key = [subject.metadata.uid ?? `${namespace}/${subject.metadata.name}`, type, reason, message].join(
      '\0',
    );
    const now = new Date();
    const existing = this.aggregates.get(key);
    const signal = AbortSignal.timeout(10_000);
    if (existing) {
      existing.count += 1;
      try {
        await this.core.patchNamespacedEvent(
          {
            name: existing.name,
            namespace: existing.namespace,
            body: { count: existing.count, lastTimestamp: now.toISOString() },
          },
          callOptions({ signal, contentType: PatchStrategy.MergePatch }),
        );
        return;
      } catch {
        // The Event expired (TTL) or was deleted: create a new one below.
        this.aggregates.delete(key);
      }
    }
    const name = `${subject.metadata.name}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`;
    await this.core.createNamespacedEvent(
      {
        namespace,
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
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: this.options.component },
          reportingComponent: this.options.component,
          reportingInstance: this.options.component,
        },
      },
      callOptions({ signal }),
    );
    this.aggregates.set(key, { name, namespace, count: 1, firstTimestamp: now });
    const limit = this.options.cacheSize ?? 4096;
    if (this.aggregates.size > limit) {
      const oldest = this.aggregates.keys().next().value;
      if (oldest !== undefined) this.aggregates.delete(oldest);
    }
  }
}
