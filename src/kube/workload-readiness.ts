/**
 * A set of workloads judged together: named CustomResourceDefinitions and named Deployments of one
 * namespace (e.g. everything an installation brings).
 */
export interface WorkloadTargets {
  /** Namespace of the Deployments. */
  readonly namespace: string;
  /** Names of the CustomResourceDefinitions. */
  readonly crds: readonly string[];
  /** Names of the Deployments in `namespace`. */
  readonly deployments: readonly string[];
}

/** Outcome of the workload readiness rule: ready, or what is still missing, one line per object. */
export interface WorkloadReadiness {
  readonly ready: boolean;
  /** e.g. `Deployment flux-system/helm-controller: 0 of 1 replicas available`; empty when ready. */
  readonly pending: readonly string[];
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface ObservedObject {
  metadata?: { name?: string; generation?: number; deletionTimestamp?: string };
  spec?: { replicas?: number };
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

function condition(object: ObservedObject, type: string): Condition | undefined {
  return object.status?.conditions?.find((c) => c.type === type);
}

function byName(objects: readonly unknown[]): Map<string, ObservedObject> {
  const map = new Map<string, ObservedObject>();
  for (const object of objects as ObservedObject[]) {
    const name = object.metadata?.name;
    if (name) map.set(name, object);
  }
  return map;
}

/** Why a CRD is not usable yet, or undefined when it is Established and its names accepted. */
export function evaluateCrdReadiness(object: unknown): string | undefined {
  if (!object) return 'not found';
  const crd = object as ObservedObject;
  if (crd.metadata?.deletionTimestamp) return 'being deleted';
  const namesAccepted = condition(crd, 'NamesAccepted');
  if (namesAccepted?.status === 'False')
    return `names not accepted: ${namesAccepted.message ?? namesAccepted.reason ?? ''}`;
  if (condition(crd, 'Established')?.status !== 'True') return 'not established yet';
  return undefined;
}

function describeCondition(c: Condition): string {
  return c.message ?? c.reason ?? '';
}

/** A ReplicaFailure or a stopped rollout (Progressing=False, e.g. ProgressDeadlineExceeded). */
function evaluateDeploymentConditions(deployment: ObservedObject): string | undefined {
  const failure = condition(deployment, 'ReplicaFailure');
  if (failure?.status === 'True') return `replica failure: ${describeCondition(failure)}`;
  const progressing = condition(deployment, 'Progressing');
  if (progressing?.status === 'False') return `not progressing: ${describeCondition(progressing)}`;
  return undefined;
}

/**
 * Why a Deployment is not available for its current generation, or undefined when it is: the
 * controller observed the current generation, rolled out every replica, and reports Available
 * (Gardener's deployment health check plus the rollout being complete).
 */
export function evaluateDeploymentReadiness(object: unknown): string | undefined {
  if (!object) return 'not found';
  const deployment = object as ObservedObject;
  if (deployment.metadata?.deletionTimestamp) return 'being deleted';
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  const observed = status.observedGeneration ?? 0;
  if (observed < generation) return `generation ${generation} not observed yet (observed ${observed})`;
  const conditionProblem = evaluateDeploymentConditions(deployment);
  if (conditionProblem) return conditionProblem;
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return `${updated} of ${desired} replicas updated`;
  const available = status.availableReplicas ?? 0;
  if (available < desired || condition(deployment, 'Available')?.status !== 'True') {
    return `${available} of ${desired} replicas available`;
  }
  // Old replicas still terminating: the rollout has not finished.
  if ((status.replicas ?? 0) > updated)
    return `${(status.replicas ?? 0) - updated} old replicas pending termination`;
  return undefined;
}

/**
 * The workload readiness rule: every target CRD Established and every target Deployment available
 * for its current generation. `crds` and `deployments` are the objects as read from the cluster.
 */
export function evaluateWorkloadReadiness(
  targets: WorkloadTargets,
  observed: { crds: readonly unknown[]; deployments: readonly unknown[] },
): WorkloadReadiness {
  const crds = byName(observed.crds);
  const deployments = byName(observed.deployments);
  const pending: string[] = [];
  for (const name of targets.crds) {
    const problem = evaluateCrdReadiness(crds.get(name));
    if (problem) pending.push(`CustomResourceDefinition ${name}: ${problem}`);
  }
  for (const name of targets.deployments) {
    const problem = evaluateDeploymentReadiness(deployments.get(name));
    if (problem) pending.push(`Deployment ${targets.namespace}/${name}: ${problem}`);
  }
  return { ready: pending.length === 0, pending };
}

/** `Kind name` of every target CRD and Deployment that does not exist. */
export function findMissingWorkloadObjects(
  targets: WorkloadTargets,
  observed: { crds: readonly unknown[]; deployments: readonly unknown[] },
): string[] {
  const crds = byName(observed.crds);
  const deployments = byName(observed.deployments);
  return [
    ...targets.crds.filter((name) => !crds.has(name)).map((name) => `CustomResourceDefinition ${name}`),
    ...targets.deployments
      .filter((name) => !deployments.has(name))
      .map((name) => `Deployment ${targets.namespace}/${name}`),
  ];
}
