import type { FluxConfig, KustomizationObject, SourceObject } from '../../api/types.js';
import type { FluxObjectObservation } from '../../flux/health.js';
import { isNotFoundError } from '../../kube/errors.js';
import { readObject } from '../../kube/objects.js';
import { encodePathSegment } from '../../kube/rest-mapper.js';
import type { ClusterAccess } from './secret-sync.js';

/** What one health check read from the shoot. */
export interface ShootHealthObservation {
  /** The Flux namespace exists and is not being deleted. */
  namespaceExists: boolean;
  /** Every Deployment in the Flux namespace, as listed. */
  deployments: unknown[];
  source?: FluxObjectObservation;
  kustomization?: FluxObjectObservation;
}

/** Reads one bootstrapped Flux object; a kind the shoot no longer serves (CRDs removed) counts as missing. */
async function observeFluxObject(
  shoot: ClusterAccess,
  template: SourceObject | KustomizationObject,
  signal: AbortSignal,
): Promise<FluxObjectObservation> {
  const { namespace, name } = template.metadata;
  let object: unknown;
  try {
    object = await readObject(
      shoot.client,
      shoot.mapper,
      { apiVersion: template.apiVersion, kind: template.kind, namespace, name },
      signal,
    );
  } catch (err) {
    if (!isNotFoundError(err)) throw err;
  }
  return { kind: template.kind, namespace, name, object };
}

/**
 * Reads what the health rules judge, with as few requests as the answer allows: the Flux
 * namespace, the Deployments in it (one list), and the bootstrapped source and Kustomization
 * (one GET each). Nothing else is read when the namespace is gone.
 */
export async function readShootFluxHealth(
  shoot: ClusterAccess,
  config: FluxConfig,
  signal: AbortSignal,
): Promise<ShootHealthObservation> {
  const fluxNamespace = config.flux.namespace;
  const namespace = (await readObject(
    shoot.client,
    shoot.mapper,
    { apiVersion: 'v1', kind: 'Namespace', name: fluxNamespace },
    signal,
  )) as { metadata?: { deletionTimestamp?: string } } | undefined;
  if (!namespace || namespace.metadata?.deletionTimestamp) {
    const missing = (template: SourceObject | KustomizationObject): FluxObjectObservation => ({
      kind: template.kind,
      namespace: template.metadata.namespace,
      name: template.metadata.name,
      object: undefined,
    });
    return {
      namespaceExists: false,
      deployments: [],
      ...(config.source ? { source: missing(config.source.template) } : {}),
      ...(config.kustomization ? { kustomization: missing(config.kustomization.template) } : {}),
    };
  }
  const path = `/apis/apps/v1/namespaces/${encodePathSegment(fluxNamespace, 'namespace')}/deployments`;
  const [list, source, kustomization] = await Promise.all([
    shoot.client.request({ method: 'GET', path, signal, verb: 'list', object: path }),
    config.source ? observeFluxObject(shoot, config.source.template, signal) : undefined,
    config.kustomization ? observeFluxObject(shoot, config.kustomization.template, signal) : undefined,
  ]);
  return {
    namespaceExists: true,
    deployments: (list.body as { items?: unknown[] } | undefined)?.items ?? [],
    ...(source ? { source } : {}),
    ...(kustomization ? { kustomization } : {}),
  };
}
