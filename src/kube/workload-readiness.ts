import type { Manifest } from '../flux/install/manifest.js';

/** What a Flux installation must have before it counts as ready. */
export interface InstallReadinessTargets {
  /** Namespace of the controllers' Deployments. */
  readonly namespace: string;
  /** Names of the CustomResourceDefinitions the installation brings. */
  readonly crds: readonly string[];
  /** Names of the controllers' Deployments in `namespace`. */
  readonly deployments: readonly string[];
}

/** Outcome of the install readiness rule: ready, or what is still missing, one line per object. */
export interface InstallReadiness {
  readonly ready: boolean;
  /** e.g. `Deployment flux-system/helm-controller: 0 of 1 replicas available`; empty when ready. */
  readonly pending: readonly string[];
}

/** The CRDs and Deployments of a rendered install set, which readiness is judged on. */
export function buildInstallReadinessTargets(
  manifests: readonly Manifest[],
  namespace: string,
): InstallReadinessTargets {
  return {
    namespace,
    crds: manifests.filter((m) => m.kind === 'CustomResourceDefinition').map((m) => m.metadata.name),
    deployments: manifests
      .filter((m) => m.kind === 'Deployment' && m.metadata.namespace === namespace)
      .map((m) => m.metadata.name),
  };
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
 * The install readiness rule: every CRD of the installation Established and every installed
 * controller's Deployment available for its current generation (the reference checked only
 * source-controller). `crds` and `deployments` are the objects as read from the cluster.
 */
export function evaluateInstallReadiness(
  targets: InstallReadinessTargets,
  observed: { crds: readonly unknown[]; deployments: readonly unknown[] },
): InstallReadiness {
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

/** `Kind name` of every CRD and controller Deployment of the installation that does not exist. */
export function findMissingInstallObjects(
  targets: InstallReadinessTargets,
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
