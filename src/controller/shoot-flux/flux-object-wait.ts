import type { KustomizationObject, SourceObject } from '../../api/types.js';
import { evaluateFluxReadiness, type FluxReadiness } from '../../flux/readiness.js';
import { buildResourcePath } from '../../kube/rest-mapper.js';
import { waitForCollections, type WatchedCollection } from '../../kube/watch.js';
import type { ActuatorContext } from '../actuator.js';
import { startDeadline } from '../deadline.js';
import type { ClusterAccess } from './secret-sync.js';
import { WaitProgress, describeFluxWaiting } from './wait-progress.js';

/** A Flux object the bootstrap applied and waits for. */
export type FluxObject = SourceObject | KustomizationObject;

/** One Flux object the bootstrap waits for, and what Flux says of it. */
export interface FluxObjectReadiness {
  readonly object: FluxObject;
  readonly readiness: FluxReadiness;
}

/** `Kind namespace/name` of a Flux object, for messages and Events. */
export function describeFluxObject(object: FluxObject): string {
  return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
}

/** The waiting message of a set of Flux objects (Flux's own words per object). */
export function describeWaits(results: readonly FluxObjectReadiness[]): string {
  return describeFluxWaiting(
    results.map((r) => ({ label: describeFluxObject(r.object), readiness: r.readiness })),
  );
}

/** The watch of one Flux object: its collection's path (from discovery) narrowed to its name. */
export async function resolveFluxObjectCollection(
  shoot: ClusterAccess,
  object: FluxObject,
  signal: AbortSignal,
): Promise<WatchedCollection> {
  const mapping = await shoot.mapper.resolve(object.apiVersion, object.kind, signal);
  return {
    path: buildResourcePath(mapping, object.metadata.namespace),
    fieldSelector: `metadata.name=${object.metadata.name}`,
  };
}

/**
 * Waits by watching until every Flux object is ready or one failed, at most until `waitSignal`
 * or `interrupt` aborts, and resolves with each object's readiness. Flux's current words are
 * the progress text meanwhile, updated as Flux reports, so a requeued wait shows why it waits
 * from its first look, not a generic text. `waitBudgetMs` only satisfies the deadline's
 * signature: `waitSignal` bounds the wait already.
 */
export async function waitForFluxObjects(
  context: ActuatorContext,
  shoot: ClusterAccess,
  watched: readonly FluxObject[],
  collections: WatchedCollection[],
  signals: { readonly wait: AbortSignal; readonly interrupt: AbortSignal; readonly waitBudgetMs: number },
): Promise<FluxObjectReadiness[]> {
  if (signals.interrupt.aborted && !signals.wait.aborted) {
    // Interrupted before it began (a seed secret changed): the next reconcile looks again.
    const readiness: FluxReadiness = {
      state: 'progressing',
      reason: 'SecretChanged',
      message: 'a referenced secret changed in the seed; syncing it first',
    };
    return watched.map((object) => ({ object, readiness }));
  }
  const progress = new WaitProgress(context.status, context.logger);
  const wait = startDeadline(signals.waitBudgetMs, [signals.wait, signals.interrupt]);
  try {
    const outcome = await waitForCollections(shoot.client, {
      collections,
      signal: wait.signal,
      logger: context.logger,
      evaluate: (lists) => {
        const results = watched.map((object, i) => ({
          object,
          readiness: evaluateFluxReadiness(lists[i]?.[0]),
        }));
        const done =
          results.every((r) => r.readiness.state === 'ready') ||
          results.some((r) => r.readiness.state === 'failed');
        if (!done) progress.report(describeWaits(results));
        return { done, progress: results };
      },
    });
    return outcome.progress;
  } finally {
    wait.dispose();
    await progress.flush();
  }
}
