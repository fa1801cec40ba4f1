import type { Logger } from '../log/logger.js';
import type { KubeRawClient } from './raw-client.js';
import { encodePathSegment } from './rest-mapper.js';
import { waitForCollections } from './watch.js';
import {
  evaluateWorkloadReadiness,
  type WorkloadReadiness,
  type WorkloadTargets,
} from './workload-readiness.js';

const crdCollection = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function deploymentCollection(namespace: string): string {
  return `/apis/apps/v1/namespaces/${encodePathSegment(namespace, 'namespace')}/deployments`;
}

/** Where the target workloads are read from. */
export interface WorkloadReadOptions {
  /** Narrows the CRD list (CRDs are cluster-wide and many); all CRDs when unset. */
  readonly crdLabelSelector?: string;
  readonly signal?: AbortSignal;
}

/** The observed CRDs and Deployments, as the readiness rule takes them. */
export interface ObservedWorkloads {
  readonly crds: unknown[];
  readonly deployments: unknown[];
}

/** Reads the targets' CRDs and Deployments once (two lists), without waiting. */
export async function readWorkloadObjects(
  client: KubeRawClient,
  targets: WorkloadTargets,
  options: WorkloadReadOptions = {},
): Promise<ObservedWorkloads> {
  const list = async (path: string, labelSelector?: string) => {
    const { body } = await client.request({
      method: 'GET',
      path,
      query: { labelSelector },
      signal: options.signal,
      verb: 'list',
      object: path,
    });
    return (body as { items?: unknown[] } | undefined)?.items ?? [];
  };
  const [crds, deployments] = await Promise.all([
    list(crdCollection, options.crdLabelSelector),
    list(deploymentCollection(targets.namespace)),
  ]);
  return { crds, deployments };
}

/**
 * Waits by watching until every target CRD is Established and every target Deployment is
 * available for its generation, or the signal ends; returns the readiness either way.
 */
export async function waitForWorkloadsReady(
  client: KubeRawClient,
  targets: WorkloadTargets,
  options: WorkloadReadOptions & { readonly signal: AbortSignal; readonly logger?: Logger },
): Promise<WorkloadReadiness> {
  const outcome = await waitForCollections(client, {
    collections: [
      { path: crdCollection, labelSelector: options.crdLabelSelector },
      { path: deploymentCollection(targets.namespace) },
    ],
    signal: options.signal,
    logger: options.logger,
    evaluate: ([crds = [], deployments = []]) => {
      const readiness = evaluateWorkloadReadiness(targets, { crds, deployments });
      return { done: readiness.ready, progress: readiness };
    },
  });
  return outcome.progress;
}
