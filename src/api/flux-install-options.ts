import { defaultFluxRegistry, knownFluxComponents } from './constants.js';
import {
  duplicate,
  invalid,
  notSupported,
  required,
  type FieldError,
  type FieldPath,
} from './field-errors.js';
import { validateFluxVersion } from './flux-version.js';
import { validateInstallPatches } from './install-patch.js';
import { validateDns1123Label, validateDns1123Subdomain } from './names.js';
import { validateShootResource } from './validation.js';
import { fluxLogLevels, type FluxInstallation, type NamedResourceReference } from './types.js';

/** The Secret type an image pull secret must have (kubelet reads `.dockerconfigjson`). */
export const dockerConfigJsonSecretType = 'kubernetes.io/dockerconfigjson';

// A toleration key is a label key (`[prefix/]name`); Flux writes it quoted into its patch.
const tolerationKeyPattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

// host[:port][/path] without scheme, tag or whitespace, as kustomize's images newName takes it.
const registryPattern = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._/-]*[a-z0-9])?)?$/;

/** Whether a string is an image repository prefix (`host[:port][/path]`) that can replace `fluxcd`. */
export function isImageRegistry(value: string): boolean {
  return registryPattern.test(value);
}

/** `flux.registry`: empty (keep the release's images) or an image repository prefix. */
function validateRegistry(registry: string, path: FieldPath): FieldError[] {
  return registry !== '' && !isImageRegistry(registry)
    ? [invalid(path, registry, `must be an image repository prefix like ${defaultFluxRegistry}`)]
    : [];
}

/**
 * The `flux install` options of `flux`: registry an image repository prefix, log level one of Flux's, cluster domain a DNS name,
 * toleration keys label keys, the image pull secret a Secret entry of `Shoot.spec.resources`
 * (checked when the Shoot's resources are known) and the patches well-formed.
 */
export function validateFluxInstallFlags(
  flux: FluxInstallation,
  shootResources: readonly NamedResourceReference[] | undefined,
  path: FieldPath,
): FieldError[] {
  const errors: FieldError[] = [...validateRegistry(flux.registry, path.child('registry'))];
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

/** The effective `flux install` inputs: the `flux` section after defaults, flags and component resolution. */
export interface EffectiveFluxInstall {
  readonly version: string;
  readonly namespace: string;
  readonly registry: string;
  readonly logLevel: string;
  readonly clusterDomain: string;
  /** The secret's name in the shoot; empty for none. */
  readonly imagePullSecret: string;
  /** The effective component list, in install order. */
  readonly components: readonly string[];
}

/**
 * The rules of the `flux` section applied to the effective install inputs, for inputs that did not
 * come through a validated FluxConfig (the flags of `install-manifests`, direct render calls).
 * Component paths index the effective list (`components` then `componentsExtra`), which is what
 * the flags build. Catches what the Go reference let through: `latest` or `2.9.2` (which
 * installed the latest release) and unknown component names.
 */
export function validateEffectiveFluxInstall(options: EffectiveFluxInstall, path: FieldPath): FieldError[] {
  const errors = [
    ...validateFluxVersion(options.version).map((problem) =>
      invalid(path.child('version'), options.version, problem),
    ),
    ...validateDns1123Label(options.namespace).map((problem) =>
      invalid(path.child('namespace'), options.namespace, problem),
    ),
    ...validateRegistry(options.registry, path.child('registry')),
  ];
  if (!(fluxLogLevels as readonly string[]).includes(options.logLevel)) {
    errors.push(notSupported(path.child('logLevel'), options.logLevel, fluxLogLevels));
  }
  for (const problem of validateDns1123Subdomain(options.clusterDomain)) {
    errors.push(invalid(path.child('clusterDomain'), options.clusterDomain, problem));
  }
  if (options.imagePullSecret !== '') {
    for (const problem of validateDns1123Subdomain(options.imagePullSecret)) {
      errors.push(invalid(path.child('imagePullSecret'), options.imagePullSecret, problem));
    }
  }
  if (options.components.length === 0)
    errors.push(required(path.child('components'), 'at least one component'));
  const seen = new Set<string>();
  options.components.forEach((component, index) => {
    if (!(knownFluxComponents as readonly string[]).includes(component)) {
      errors.push(notSupported(path.child('components').index(index), component, knownFluxComponents));
    } else if (seen.has(component)) {
      errors.push(duplicate(path.child('components').index(index), component));
    }
    seen.add(component);
  });
  return errors;
}
