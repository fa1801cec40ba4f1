import semver from 'semver';
import { ociRepositoryV1SinceFlux } from './constants.js';
import type { OCIRepositoryApiVersion } from './types.js';

/** The oldest Flux release we install: GitRepository and Kustomization v1 need it. */
export const minimumFluxVersion = 'v2.0.0';

const fluxVersionPattern = /^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/** Problems with `value` as `flux.version` (`vMAJOR.MINOR.PATCH`, at least v2.0.0); empty when valid. */
export function validateFluxVersion(value: string): string[] {
  if (!fluxVersionPattern.test(value))
    return ['must be a Flux release of the form vMAJOR.MINOR.PATCH, e.g. v2.9.2'];
  if (semver.lt(value, minimumFluxVersion)) return [`must be at least ${minimumFluxVersion}`];
  return [];
}

/** Whether a string is a Flux release we install (`vMAJOR.MINOR.PATCH`, at least v2.0.0). */
export function isFluxReleaseVersion(version: string): boolean {
  return validateFluxVersion(version).length === 0;
}

/**
 * The OCIRepository apiVersion Flux `version` serves: v1 since Flux v2.6.0 (v2.8 dropped v1beta2),
 * v1beta2 before. Undefined when the version is not valid.
 */
export function ociRepositoryApiVersionFor(version: string): OCIRepositoryApiVersion | undefined {
  if (validateFluxVersion(version).length > 0) return undefined;
  return semver.gte(version, ociRepositoryV1SinceFlux)
    ? 'source.toolkit.fluxcd.io/v1'
    : 'source.toolkit.fluxcd.io/v1beta2';
}
