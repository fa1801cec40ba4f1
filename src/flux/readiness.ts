/** Outcome of Flux's readiness rule for one Flux object (source or Kustomization). */
export type FluxReadiness =
  | { state: 'ready'; message: string }
  /** Not ready yet; Flux may still succeed. `message` is Flux's own words when it has any. */
  | { state: 'progressing'; reason: string; message: string }
  /** Flux gave up (Stalled=True): waiting longer will not help until the spec changes. */
  | { state: 'failed'; reason: string; message: string };

interface FluxCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

interface FluxObjectShape {
  metadata?: { generation?: number; deletionTimestamp?: string };
  status?: { observedGeneration?: number; conditions?: FluxCondition[] };
}

function findCondition(conditions: FluxCondition[], type: string): FluxCondition | undefined {
  return conditions.find((c) => c.type === type);
}

/** The generation Flux last reconciled: the Ready condition's own, else the status'. */
function reconciledGeneration(ready: FluxCondition, status: FluxObjectShape['status']): number {
  const conditionGeneration = ready.observedGeneration ?? 0;
  return conditionGeneration !== 0 ? conditionGeneration : (status?.observedGeneration ?? 0);
}

/**
 * Flux's readiness rule (the flux CLI's, on top of kstatus): `Ready=True` for the current
 * generation is ready; `Stalled=True` has failed; everything else, `Ready=False` included, is
 * progressing, since source- and kustomize-controller report transient errors (authentication,
 * missing artifact, network) as `Ready=False` and retry; while a retry runs (`Ready=Unknown`), a
 * `*Failed=True` condition still names the failure. A `Ready=True` left over from an older
 * generation is not ready.
 */
export function evaluateFluxReadiness(object: unknown): FluxReadiness {
  const { metadata, status } = (object ?? {}) as FluxObjectShape;
  const generation = metadata?.generation ?? 0;
  const conditions = status?.conditions ?? [];
  const ready = findCondition(conditions, 'Ready');
  const stalled = findCondition(conditions, 'Stalled');
  const reconciling = findCondition(conditions, 'Reconciling');

  if (metadata?.deletionTimestamp) {
    return { state: 'progressing', reason: 'Terminating', message: 'the object is being deleted' };
  }
  if (stalled?.status === 'True') {
    return {
      state: 'failed',
      reason: stalled.reason ?? 'Stalled',
      message: stalled.message ?? ready?.message ?? 'reconciliation stalled',
    };
  }
  if (!ready) {
    return { state: 'progressing', reason: 'NotReconciled', message: 'waiting for the first reconciliation' };
  }
  const observed = reconciledGeneration(ready, status);
  const current = observed === generation && observed >= 1;
  if (ready.status === 'True' && current && reconciling?.status !== 'True') {
    return { state: 'ready', message: ready.message ?? '' };
  }
  if (ready.status === 'True') {
    return {
      state: 'progressing',
      reason: 'Progressing',
      message: `waiting for generation ${generation} to be reconciled`,
    };
  }
  return describeNotReady(ready, conditions);
}

/** Why a Flux object with `Ready` other than True is not done, in Flux's words. */
function describeNotReady(ready: FluxCondition, conditions: FluxCondition[]): FluxReadiness {
  // A retry sets Ready=Unknown ("building artifact") for a moment while the failure it retries
  // stays in a negative-polarity condition (source-controller's FetchFailed): that is the message
  // that says why Flux is not done.
  const failure =
    ready.status === 'Unknown'
      ? conditions.find((c) => c.status === 'True' && c.type?.endsWith('Failed') === true)
      : undefined;
  return {
    state: 'progressing',
    reason: failure?.reason ?? ready.reason ?? 'Progressing',
    message: failure?.message ?? ready.message ?? 'reconciliation in progress',
  };
}
