import { evaluateDeploymentReadiness } from '../kube/workload-readiness.js';
import { evaluateFluxReadiness } from './readiness.js';

/**
 * What one health check observed of one Flux component's Deployment: available for its current
 * generation, rolling out (may still succeed on its own), or unavailable (with why).
 */
export type ComponentHealth =
  | { name: string; state: 'available' }
  | { name: string; state: 'progressing' | 'unavailable'; message: string };

/** Outcome of the system components rule over every controller the extension installed. */
export interface SystemComponentsHealth {
  /** `healthy` only when every component is available. */
  state: 'healthy' | 'progressing' | 'unhealthy';
  /** One line per component that is not available, e.g. `Deployment flux-system/helm-controller: …`. */
  problems: string[];
  components: ComponentHealth[];
}

interface DeploymentShape {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

/**
 * Whether a not-available Deployment is in a rollout that may still finish by itself: a newer
 * generation not observed yet, or new replicas still coming up while the controller reports
 * progress. A stopped rollout (`Progressing=False`, e.g. ProgressDeadlineExceeded) or a
 * `ReplicaFailure` is not.
 */
function isRollingOut(deployment: DeploymentShape): boolean {
  const conditions = deployment.status?.conditions ?? [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (failure?.status === 'True' || progressing?.status === 'False') return false;
  const generation = deployment.metadata?.generation ?? 0;
  if ((deployment.status?.observedGeneration ?? 0) < generation) return true;
  const desired = deployment.spec?.replicas ?? 1;
  return (deployment.status?.updatedReplicas ?? 0) < desired && progressing?.status === 'True';
}

/**
 * Health of one Flux controller: available (the install readiness rule: current generation
 * observed, every replica updated and available), rolling out, or unavailable. A Deployment scaled
 * to 0 replicas counts as unavailable: its controller runs nowhere, whatever its status says.
 */
export function evaluateComponentHealth(name: string, object: unknown): ComponentHealth {
  if (object === undefined) return { name, state: 'unavailable', message: 'not found' };
  const deployment = object as DeploymentShape;
  if (deployment.spec?.replicas === 0) {
    return { name, state: 'unavailable', message: 'scaled to 0 replicas' };
  }
  const problem = evaluateDeploymentReadiness(object);
  if (problem === undefined) return { name, state: 'available' };
  return { name, state: isRollingOut(deployment) ? 'progressing' : 'unavailable', message: problem };
}

/**
 * The `SystemComponentsHealthy` rule: every Flux controller the extension installed (`components`,
 * the Deployment names in `namespace`) is available for its current generation. Any unavailable
 * one makes it unhealthy; otherwise a rollout in progress makes it progressing.
 */
export function evaluateSystemComponentsHealth(
  namespace: string,
  components: readonly string[],
  deployments: readonly unknown[],
): SystemComponentsHealth {
  const byName = new Map<string, unknown>();
  for (const object of deployments) {
    const name = (object as DeploymentShape).metadata?.name;
    if (name) byName.set(name, object);
  }
  const results = components.map((name) => evaluateComponentHealth(name, byName.get(name)));
  const problems = results.flatMap((r) =>
    r.state === 'available' ? [] : [`Deployment ${namespace}/${r.name}: ${r.message}`],
  );
  const state = results.some((r) => r.state === 'unavailable')
    ? 'unhealthy'
    : results.some((r) => r.state === 'progressing')
      ? 'progressing'
      : 'healthy';
  return { state, problems, components: results };
}

/** A bootstrapped Flux object to judge: what it is, and the object as read (undefined: not found). */
export interface FluxObjectObservation {
  kind: string;
  namespace: string;
  name: string;
  object: unknown;
}

/** Outcome of the `FluxSynced` rule. */
export interface FluxSyncHealth {
  /** `synced`: True; `failing`: False; `unknown`: missing or not reconciled for its generation yet. */
  state: 'synced' | 'failing' | 'unknown';
  /** Flux's reason (Ready or Stalled), or ours when Flux said nothing yet. */
  reason: string;
  message: string;
}

interface FluxObjectShape {
  metadata?: { generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

function describe(observation: FluxObjectObservation): string {
  return `${observation.kind} ${observation.namespace}/${observation.name}`;
}

/** One Flux object's sync state, by Flux's readiness rule; `Ready=False` for the current generation fails. */
function evaluateObjectSync(observation: FluxObjectObservation): FluxSyncHealth {
  if (observation.object === undefined) {
    return { state: 'unknown', reason: 'NotFound', message: `${describe(observation)} not found` };
  }
  const readiness = evaluateFluxReadiness(observation.object);
  if (readiness.state === 'ready') {
    return { state: 'synced', reason: 'Succeeded', message: readiness.message };
  }
  if (readiness.state === 'failed') {
    return {
      state: 'failing',
      reason: readiness.reason,
      message: `${describe(observation)}: ${readiness.message}`,
    };
  }
  const object = observation.object as FluxObjectShape;
  const ready = object.status?.conditions?.find((c) => c.type === 'Ready');
  const generation = object.metadata?.generation ?? 0;
  // Flux's readiness rule calls Ready=False "progressing", since Flux retries; for day-2 health a
  // Ready=False that Flux reported for the current generation is a failing sync (a broken
  // manifest retries forever), and only "not reconciled yet" is Unknown.
  if (ready?.status === 'False' && (object.status?.observedGeneration ?? 0) === generation) {
    return {
      state: 'failing',
      reason: ready.reason ?? 'ReconciliationFailed',
      message: `${describe(observation)}: ${ready.message ?? 'not ready'}`,
    };
  }
  return {
    state: 'unknown',
    reason: readiness.reason,
    message: `${describe(observation)}: ${readiness.message}`,
  };
}

/**
 * The `FluxSynced` rule: every bootstrapped Flux object (source, then Kustomization) is Ready=True
 * for its current generation. The first failing one decides (False with Flux's reason and message);
 * else the first missing or not yet reconciled one (Unknown); else True with the last message.
 */
export function evaluateFluxSync(observations: readonly FluxObjectObservation[]): FluxSyncHealth {
  const results = observations.map(evaluateObjectSync);
  const failing = results.find((r) => r.state === 'failing');
  if (failing) return failing;
  const unknown = results.find((r) => r.state === 'unknown');
  if (unknown) return unknown;
  if (results.length === 0) {
    return {
      state: 'unknown',
      reason: 'NothingBootstrapped',
      message: 'no source or Kustomization was bootstrapped',
    };
  }
  const last = observations[observations.length - 1];
  return {
    state: 'synced',
    reason: 'Succeeded',
    message: last ? `${describe(last)} is ready` : '',
  };
}
