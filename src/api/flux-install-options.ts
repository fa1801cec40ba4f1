import { invalid, notSupported, required, type FieldError, type FieldPath } from './field-errors.js';
import { validateInstallPatches } from './install-patch.js';
import { validateDns1123Subdomain } from './names.js';
import { validateShootResource } from './validation.js';
import { fluxLogLevels, type FluxInstallation, type NamedResourceReference } from './types.js';

/** The Secret type an image pull secret must have (kubelet reads `.dockerconfigjson`). */
export const dockerConfigJsonSecretType = 'kubernetes.io/dockerconfigjson';

// A toleration key is a label key (`[prefix/]name`); Flux writes it quoted into its patch.
const tolerationKeyPattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * The `flux install` options of `flux`: log level one of Flux's, cluster domain a DNS name,
 * toleration keys label keys, the image pull secret a Secret entry of `Shoot.spec.resources`
 * (checked when the Shoot's resources are known) and the patches well-formed.
 */
export function validateFluxInstallFlags(
  flux: FluxInstallation,
  shootResources: readonly NamedResourceReference[] | undefined,
  path: FieldPath,
): FieldError[] {
  const errors: FieldError[] = [];
  if (flux.logLevel !== undefined && !(fluxLogLevels as readonly string[]).includes(flux.logLevel)) {
    errors.push(notSupported(path.child('logLevel'), flux.logLevel, fluxLogLevels));
  }
  if (flux.clusterDomain !== undefined) {
    for (const problem of validateDns1123Subdomain(flux.clusterDomain)) {
      errors.push(invalid(path.child('clusterDomain'), flux.clusterDomain, problem));
    }
  }
  (flux.tolerationKeys ?? []).forEach((key, i) => {
    if (key.length > 316 || !tolerationKeyPattern.test(key)) {
      errors.push(
        invalid(path.child('tolerationKeys').index(i), key, 'must be a label key such as node-role/flux'),
      );
    }
  });
  if (flux.imagePullSecret !== undefined) {
    errors.push(
      ...validateImagePullSecret(flux.imagePullSecret, shootResources, path.child('imagePullSecret')),
    );
  }
  errors.push(...validateInstallPatches(flux.patches, path.child('patches')));
  return errors;
}

function validateImagePullSecret(
  name: string,
  shootResources: readonly NamedResourceReference[] | undefined,
  path: FieldPath,
): FieldError[] {
  if (name === '') return [required(path, 'must name an entry of Shoot.spec.resources[]')];
  return shootResources === undefined ? [] : validateShootResource(name, shootResources, path);
}

/**
 * The name the image pull secret has in the shoot: the referenced secret's `resourceRef.name`, as
 * for additional secrets; the entry name itself when the Shoot's resources are not known (CLI).
 */
export function resolveImagePullSecretName(
  flux: Pick<FluxInstallation, 'imagePullSecret'>,
  shootResources: readonly NamedResourceReference[] | undefined,
): string | undefined {
  if (flux.imagePullSecret === undefined || flux.imagePullSecret === '') return undefined;
  return (
    shootResources?.find((r) => r.name === flux.imagePullSecret)?.resourceRef.name ?? flux.imagePullSecret
  );
}
