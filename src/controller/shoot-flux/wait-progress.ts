import type { FluxReadiness } from '../../flux/readiness.js';
import type { Logger } from '../../log/logger.js';
import type { ExtensionStatusSession } from '../actuator.js';

/** One Flux object the bootstrap waits for: how it is named in texts, and what Flux says of it. */
export interface FluxObjectWait {
  /** `GitRepository flux-system/flux-system`. */
  label: string;
  readiness: FluxReadiness;
}

/**
 * What the bootstrap waits for, in Flux's own words: `waiting for GitRepository a/b: <Flux's
 * message>; waiting for Kustomization a/b: …`, ready objects left out. The same text is the live
 * `lastOperation.description` while waiting and the requeue reason afterwards, so the message
 * stays put across requeues.
 */
export function describeFluxWaiting(objects: readonly FluxObjectWait[]): string {
  return objects
    .filter((o) => o.readiness.state !== 'ready')
    .map(
      (o) =>
        `waiting for ${o.label}: ${o.readiness.message === '' ? o.readiness.state : o.readiness.message}`,
    )
    .join('; ');
}

/**
 * Writes the progress text of a running wait whenever it changes, one write at a time and in
 * order. A failed write is logged and skipped: the wait goes on, and the next change or the
 * reconciler's final status write reports again.
 */
export class WaitProgress {
  private last: string | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly status: ExtensionStatusSession,
    private readonly logger: Logger,
  ) {}

  /** Queues `description` as the progress text unless it is the one written last. */
  report(description: string): void {
    if (description === '' || description === this.last) return;
    this.last = description;
    this.pending = this.pending.then(() =>
      this.status.progress(description).catch((err: unknown) => {
        this.logger.debug('Could not write the waiting progress', {
          error: err instanceof Error ? err.message : String(err),
        });
      }),
    );
  }

  /** Resolves once every queued write finished; call before the next status write of the reconcile. */
  flush(): Promise<void> {
    return this.pending;
  }
}
