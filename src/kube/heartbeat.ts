import type { Logger } from '../log/logger.js';
import { currentDate, systemClock, type Clock } from './clock.js';
import { describeApiError, statusCodeOf } from './errors.js';
import { formatMicroTime, type LeaseClient } from './leader-election.js';

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  leases: LeaseClient;
  namespace: string;
  /** The Lease gardenlet reads (`gardener-extension-heartbeat`). */
  leaseName: string;
  /** The holder identity gardenlet expects: the extension's name (`shoot-flux`). */
  holderIdentity: string;
  renewIntervalSeconds: number;
  logger: Logger;
  /** Time source (default the system clock). */
  clock?: Clock;
}

/**
 * Gardener's extension heartbeat: renews the Lease (`gardener-extension-heartbeat`) every
 * renew interval, so gardenlet can tell the extension is alive; errors are logged and retried at
 * the next tick.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: Promise<void> | undefined;

  constructor(private readonly options: HeartbeatOptions) {}

  /** Renews at once, then every renew interval. */
  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Stops renewing (the Lease stays; gardenlet judges its age). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  /** Writes the Lease once: create it, or merge-patch its spec. */
  async renew(): Promise<void> {
    const { leases, namespace, leaseName, holderIdentity, renewIntervalSeconds } = this.options;
    const spec = {
      holderIdentity,
      leaseDurationSeconds: renewIntervalSeconds,
      renewTime: formatMicroTime(currentDate(this.options.clock ?? systemClock)),
    };
    const signal = AbortSignal.timeout(Math.max(renewIntervalSeconds * 1000, 10_000));
    try {
      await leases.patch(namespace, leaseName, spec, undefined, signal);
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
      await leases.create(namespace, leaseName, spec, signal);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.current = this.renew().then(
      () => {
        this.options.logger.debug('Renewed heartbeat lease');
      },
      (err: unknown) => {
        this.options.logger.error('Could not renew heartbeat lease', {
          lease: { namespace: this.options.namespace, name: this.options.leaseName },
          error: describeApiError(err),
        });
      },
    );
    void this.current.then(() => {
      if (!this.stopped) {
        this.timer = setTimeout(() => {
          this.tick();
        }, this.options.renewIntervalSeconds * 1000);
      }
    });
  }
}
