import { managedByLabelKey, managedByLabelValue } from '../api/constants.js';
import type { FluxConfig, KustomizationObject, NamedResourceReference, SourceObject } from '../api/types.js';
import { buildSecretTargets } from './secret-plan.js';

/** A Namespace the bootstrap needs besides the Flux namespace. */
export interface NamespaceObject {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string };
}

/** A synced secret as far as the config determines it: name, namespace, label; data and type come from the seed. */
export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
}

/** One object the bootstrap writes into the shoot. */
export type BootstrapObject = NamespaceObject | SourceObject | SecretObject | KustomizationObject;

/**
 * The objects the bootstrap writes into the shoot (not the Flux installation), in apply order:
 * Namespaces of the source and Kustomization that differ from the Flux namespace, the source, the
 * synced secrets (without data), the Kustomization. The controller applies exactly these, and
 * `render` prints them, so the two can never disagree. Without the Shoot's resources, additional
 * secrets named after the referenced secret are left out (their name is not known).
 */
export function buildBootstrapObjects(
  config: FluxConfig,
  shootResources?: readonly NamedResourceReference[],
): BootstrapObject[] {
  const source = config.source?.template;
  const kustomization = config.kustomization?.template;
  const namespaces = [
    ...new Set(
      [source?.metadata.namespace, kustomization?.metadata.namespace].filter(
        (ns): ns is string => ns !== undefined && ns !== config.flux.namespace,
      ),
    ),
  ];
  const secrets = buildSecretTargets(config, shootResources).flatMap((target): SecretObject[] =>
    target.targetName === undefined
      ? []
      : [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
              name: target.targetName,
              namespace: target.targetNamespace,
              labels: { [managedByLabelKey]: managedByLabelValue },
            },
          },
        ],
  );
  return [
    ...namespaces.map((name): NamespaceObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    })),
    ...(source ? [structuredClone(source)] : []),
    ...secrets,
    ...(kustomization ? [structuredClone(kustomization)] : []),
  ];
}
