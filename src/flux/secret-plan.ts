import { dockerConfigJsonSecretType } from '../api/flux-install-options.js';
import type { FluxConfig, NamedResourceReference } from '../api/types.js';

/**
 * Why a secret is synced: the source's credentials, an `additionalSecretResources[]` entry, or
 * the controllers' image pull secret (`flux.imagePullSecret`).
 */
export type SecretPurpose = 'source' | 'additional' | 'image-pull';

/** Where one shoot secret comes from and where it goes, as far as the config and Shoot tell. */
export interface SecretTarget {
  purpose: SecretPurpose;
  /** The `Shoot.spec.resources[].name` the config refers to. */
  resourceName: string;
  /** Undefined only when it depends on the Shoot's resources and those are not known. */
  targetName?: string;
  targetNamespace: string;
  /** The seed copy gardenlet makes: `ref-<resourceRef.name>`; undefined without the Shoot's resources. */
  seedSecretName?: string;
  /** The Secret type the copy must have, when the purpose needs one. */
  requiredType?: string;
}

/** One secret to copy from the seed into the shoot. */
export interface SecretSync {
  seedSecretName: string;
  targetName: string;
  targetNamespace: string;
  purpose: SecretPurpose;
  resourceName: string;
  /** The Secret type the seed copy must have; a different one is a configuration error. */
  requiredType?: string;
}

/** Gardenlet's prefix for referenced resources copied into the seed (`v1beta1constants.ReferencedResourcesPrefix`). */
export const referencedResourcePrefix = 'ref-';

/**
 * Every secret the config syncs: the source's secret into the SOURCE's namespace named
 * `spec.secretRef.name` (where Flux resolves it), additional secrets into the Flux
 * namespace named `targetName`, else the referenced secret's `resourceRef.name`. Without the
 * Shoot's resources, names that depend on them stay undefined.
 */
export function buildSecretTargets(
  config: FluxConfig,
  shootResources?: readonly NamedResourceReference[],
): SecretTarget[] {
  const resolve = (name: string) => shootResources?.find((r) => r.name === name)?.resourceRef.name;
  const targets: SecretTarget[] = [];
  const source = config.source;
  const sourceSecretName = source?.template.spec.secretRef?.name;
  if (source?.secretResourceName && sourceSecretName) {
    const referenced = resolve(source.secretResourceName);
    targets.push({
      purpose: 'source',
      resourceName: source.secretResourceName,
      targetName: sourceSecretName,
      targetNamespace: source.template.metadata.namespace,
      ...(referenced !== undefined ? { seedSecretName: `${referencedResourcePrefix}${referenced}` } : {}),
    });
  }
  for (const entry of config.additionalSecretResources) {
    const referenced = resolve(entry.name);
    const targetName =
      entry.targetName !== undefined && entry.targetName !== '' ? entry.targetName : referenced;
    targets.push({
      purpose: 'additional',
      resourceName: entry.name,
      ...(targetName !== undefined ? { targetName } : {}),
      targetNamespace: config.flux.namespace,
      ...(referenced !== undefined ? { seedSecretName: `${referencedResourcePrefix}${referenced}` } : {}),
    });
  }
  const pullSecret = config.flux.imagePullSecret;
  if (pullSecret !== undefined && pullSecret !== '') {
    const referenced = resolve(pullSecret);
    targets.push({
      purpose: 'image-pull',
      resourceName: pullSecret,
      ...(referenced !== undefined ? { targetName: referenced } : {}),
      targetNamespace: config.flux.namespace,
      ...(referenced !== undefined ? { seedSecretName: `${referencedResourcePrefix}${referenced}` } : {}),
      requiredType: dockerConfigJsonSecretType,
    });
  }
  return targets;
}

/**
 * The secrets to copy from the seed into the shoot. Entries whose resource is not in
 * `shootResources` are left out: validation reports them before anything is synced.
 */
export function buildSecretPlan(
  config: FluxConfig,
  shootResources: readonly NamedResourceReference[],
): SecretSync[] {
  return buildSecretTargets(config, shootResources).flatMap((target): SecretSync[] =>
    target.seedSecretName !== undefined && target.targetName !== undefined
      ? [{ ...target, seedSecretName: target.seedSecretName, targetName: target.targetName }]
      : [],
  );
}
