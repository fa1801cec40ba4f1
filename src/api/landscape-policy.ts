import semver from 'semver';
import { invalid, type FieldError, type FieldPath, type FieldWarning } from './field-errors.js';
import type { FluxInstallation, NamedResourceReference } from './types.js';

/**
 * What the landscape operator decides for every shoot (flags of `run`): defaults for fields a
 * providerConfig leaves out, a registry shoots cannot escape, and the Flux versions allowed.
 * The controller, `validate` and admission all evaluate through it, so they agree.
 */
export interface LandscapeFluxPolicy {
  /** `flux.version` when unset. */
  defaultVersion?: string;
  /** `flux.registry` when unset. */
  defaultRegistry?: string;
  /** `flux.components` when unset. */
  defaultComponents?: readonly string[];
  /** `flux.componentsExtra` when unset. */
  defaultComponentsExtra?: readonly string[];
  /**
   * `flux.imagePullSecret` when unset, for shoots whose `spec.resources` has an entry of this
   * name (a project-wide pull secret); other shoots get none rather than an error.
   */
  defaultImagePullSecret?: string;
  /** The registry every shoot uses; a different `flux.registry` is replaced, with a warning. */
  enforceRegistry?: string;
  /** A semver range `flux.version` must satisfy (e.g. `>=2.8.0 <2.10.0`). */
  allowedVersions?: string;
}

/** Whether `range` is a semver range the policy can use. */
export function isValidVersionRange(range: string): boolean {
  return semver.validRange(range) !== null;
}

/**
 * The `flux` input with the landscape defaults filled in where the shoot left a field out, the
 * enforced registry put in place of any other (a warning at `flux.registry` says so: never a
 * silent change). Defaults run before the built-in ones, so an unset field gets the landscape's.
 */
export function applyLandscapeDefaults(
  flux: Partial<FluxInstallation> | undefined,
  policy: LandscapeFluxPolicy,
  shootResources: readonly NamedResourceReference[] | undefined,
  path: FieldPath,
): { flux: Partial<FluxInstallation>; warnings: FieldWarning[] } {
  const result: Partial<FluxInstallation> = { ...flux };
  const warnings: FieldWarning[] = [];
  if (result.version === undefined && policy.defaultVersion !== undefined) {
    result.version = policy.defaultVersion;
  }
  if (result.registry === undefined && policy.defaultRegistry !== undefined) {
    result.registry = policy.defaultRegistry;
  }
  if (result.components === undefined && policy.defaultComponents !== undefined) {
    result.components = [...policy.defaultComponents];
  }
  if (result.componentsExtra === undefined && policy.defaultComponentsExtra !== undefined) {
    result.componentsExtra = [...policy.defaultComponentsExtra];
  }
  const pullSecret = policy.defaultImagePullSecret;
  if (
    result.imagePullSecret === undefined &&
    pullSecret !== undefined &&
    shootResources?.some((r) => r.name === pullSecret)
  ) {
    result.imagePullSecret = pullSecret;
  }
  if (policy.enforceRegistry !== undefined) {
    if (flux?.registry !== undefined && flux.registry !== policy.enforceRegistry) {
      warnings.push({
        field: path.child('registry').toString(),
        message: `registry ${JSON.stringify(flux.registry)} replaced by ${policy.enforceRegistry}: the landscape enforces this registry`,
      });
    }
    result.registry = policy.enforceRegistry;
  }
  return { flux: result, warnings };
}

/** `flux.version` within the landscape's allowed range. */
export function validateAllowedVersion(
  version: string,
  policy: LandscapeFluxPolicy,
  path: FieldPath,
): FieldError[] {
  const range = policy.allowedVersions;
  if (range === undefined || !semver.valid(version)) return [];
  if (semver.satisfies(version, range)) return [];
  return [invalid(path, version, `this landscape allows Flux versions ${range} only`)];
}
