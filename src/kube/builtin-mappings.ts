import type { ResourceMapping } from './rest-mapper.js';

/**
 * The core kinds the controller reads and writes on every reconcile, with their resource and
 * scope: fixed by Kubernetes' API since v1.0, so no discovery request is needed for them. At a
 * thousand shoots, each new process (a restart, a new leader) would otherwise open with a
 * thousand `GET /api/v1` calls before its first resync is done.
 */
const coreV1: readonly ResourceMapping[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
];

/** The fixed mapping of a core kind, or undefined when discovery has to say. */
export function findBuiltinMapping(apiVersion: string, kind: string): ResourceMapping | undefined {
  return apiVersion === 'v1' ? coreV1.find((mapping) => mapping.kind === kind) : undefined;
}
