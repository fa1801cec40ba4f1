import type { KubeConnection } from './kube-connection.js';
import type { Logger } from '../log/logger.js';
import { describeApiError, statusCodeOf, wrapKubernetesError } from './errors.js';
import type { KubeRequestObserver } from './kubeconfig.js';
import { KubeRawClient, mergePatchContentType } from './raw-client.js';

const group = 'coordination.k8s.io';
const version = 'v1';
const plural = 'leases';

/** The spec of a coordination.k8s.io/v1 Lease. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Kubernetes `metav1.MicroTime` text (RFC 3339, UTC, microseconds). */
export function formatMicroTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Reads, creates and writes Leases as raw JSON (typed models mangle MicroTime). */
export class LeaseClient {
  private readonly client: KubeRawClient;

  constructor(kubeConfig: KubeConnection, observer?: KubeRequestObserver) {
    this.client = new KubeRawClient(kubeConfig, observer);
  }

  /** The Lease, or `undefined` when it does not exist. */
  async read(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined> {
    try {
      const { body } = await this.client.request({
        method: 'GET',
        path: leasePath(namespace, name),
        signal,
        verb: 'get',
        object: `lease ${namespace}/${name}`,
      });
      return body as Lease;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw wrapKubernetesError(err, 'get', `lease ${namespace}/${name}`);
    }
  }

  /** Creates the Lease; HTTP 409 if it exists. */
  async create(namespace: string, name: string, spec: LeaseSpec, signal?: AbortSignal): Promise<Lease> {
    const body = { apiVersion: `${group}/${version}`, kind: 'Lease', metadata: { name, namespace }, spec };
    const answer = await this.client.request({
      method: 'POST',
      path: leasePath(namespace),
      body,
      signal,
      verb: 'create',
      object: `lease ${namespace}/${name}`,
    });
    return answer.body as Lease;
  }

  /** Merge-patches the Lease's spec; with `resourceVersion` an optimistic lock (HTTP 409 on change). */
  async patch(
    namespace: string,
    name: string,
    spec: LeaseSpec,
    resourceVersion?: string,
    signal?: AbortSignal,
  ): Promise<Lease> {
    const metadata = resourceVersion ? { resourceVersion } : {};
    const answer = await this.client.request({
      method: 'PATCH',
      path: leasePath(namespace, name),
      body: { metadata, spec },
      contentType: mergePatchContentType,
      signal,
      verb: 'patch',
      object: `lease ${namespace}/${name}`,
    });
    return answer.body as Lease;
  }
}

/** `/apis/coordination.k8s.io/v1/namespaces/<ns>/leases[/<name>]`. */
function leasePath(namespace: string, name?: string): string {
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}${object}`;
}

/** Options of {@link LeaderElector}; durations as controller-runtime's defaults 15s/10s/2s. */
export interface LeaderElectionOptions {
  leases: LeaseClient;
  namespace: string;
  name: string;
  /** This process's identity (hostname_uuid). */
  identity: string;
  logger: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Leadership state: unknown until the first attempt finished. */
export type LeadershipState = 'unknown' | 'follower' | 'leader';

/**
 * Lease-based leader election like client-go's: acquire when the Lease is free, ours, or not
 * renewed for a lease duration (measured on our clock, since the last change we observed, so
 * clock skew between replicas does not matter); renew every retry period; give up leadership
 * when renewals fail for the renew deadline; release (empty holder) on stop.
 */
export class LeaderElector {
  private state: LeadershipState = 'unknown';
  private observed: { record: string; at: number } | undefined;
  private lastRenew = 0;
  private stopped = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leading: { resolve: () => void; promise: Promise<void> };
  private lost: { resolve: () => void; promise: Promise<void> };
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.leading = deferred();
    this.lost = deferred();
  }

  /** `unknown` before the first attempt, then `leader` or `follower`. */
  get leadership(): LeadershipState {
    return this.state;
  }

  /** Resolves once this process leads. */
  get elected(): Promise<void> {
    return this.leading.promise;
  }

  /** Resolves when leadership was lost (not on a voluntary release). */
  get lostLeadership(): Promise<void> {
    return this.lost.promise;
  }

  /** Starts trying to acquire, then renewing, in the background. */
  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, ms);
  }

  /** Stops renewing and, if leading, releases the Lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A renewal in flight must land before the release, or it would re-take the lease.
    await this.running;
    if (this.state !== 'leader') return;
    this.state = 'follower';
    const { namespace, name } = this.options;
    try {
      const lease = await this.options.leases.read(namespace, name, AbortSignal.timeout(5_000));
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      const now = formatMicroTime(new Date());
      await this.options.leases.patch(
        namespace,
        name,
        { holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
        lease.metadata.resourceVersion,
        AbortSignal.timeout(5_000),
      );
      this.options.logger.info('Released leader lease', { lease: { namespace, name } });
    } catch (err) {
      this.options.logger.error('Could not release leader lease', {
        lease: { namespace, name },
        error: describeApiError(err),
      });
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let acquired = false;
    try {
      acquired = await this.tryAcquireOrRenew();
    } catch (err) {
      this.options.logger.debug('Leader election attempt failed', {
        error: describeApiError(err),
      });
    }
    if (this.isStopped()) return;
    const now = Date.now();
    if (acquired) {
      this.lastRenew = now;
      if (this.state !== 'leader') {
        this.state = 'leader';
        this.options.logger.info('Acquired leader lease', {
          lease: { namespace: this.options.namespace, name: this.options.name },
        });
        this.leading.resolve();
      }
    } else if (this.state === 'leader') {
      if (now - this.lastRenew > this.renewDeadlineMs) {
        this.state = 'follower';
        this.options.logger.error('Lost leader lease', {
          lease: { namespace: this.options.namespace, name: this.options.name },
        });
        this.lost.resolve();
        return;
      }
    } else {
      this.state = 'follower';
    }
    this.schedule(this.retryPeriodMs);
  }

  /** Read through a method: `stop()` flips it while a tick awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { leases, namespace, name, identity } = this.options;
    const signal = AbortSignal.timeout(this.retryPeriodMs * 2);
    const now = new Date();
    const leaseDurationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    const lease = await leases.read(namespace, name, signal);
    if (!lease) {
      await leases.create(
        namespace,
        name,
        {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: formatMicroTime(now),
          renewTime: formatMicroTime(now),
          leaseTransitions: 0,
        },
        signal,
      );
      return true;
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify(spec);
    if (this.observed?.record !== record) this.observed = { record, at: now.getTime() };
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== '' && holder !== identity && this.observed.at + duration > now.getTime()) return false;
    const ours = holder === identity;
    await leases.patch(
      namespace,
      name,
      {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: ours ? (spec.acquireTime ?? formatMicroTime(now)) : formatMicroTime(now),
        renewTime: formatMicroTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
      lease.metadata.resourceVersion,
      signal,
    );
    return true;
  }
}

function deferred(): { resolve: () => void; promise: Promise<void> } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { resolve, promise };
}
