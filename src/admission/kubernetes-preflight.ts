import { invalid, prefixFieldPath, FieldPath, type FieldError } from '../api/field-errors.js';
import type { FluxConfig } from '../api/types.js';
import { checkKubernetesCompatibility } from '../api/kubernetes-compatibility.js';
import { shootKubernetesVersion } from '../gardener/cluster.js';
import type { Shoot } from '../gardener/types.js';

/** One shoot-flux extension of a Shoot as the review evaluated it. */
export interface EvaluatedExtension {
  /** Where the extension's providerConfig sits in the Shoot, e.g. `spec.extensions[0].providerConfig`. */
  fieldPath: string;
  /** The evaluated config; absent when it has errors (they are reported already). */
  config?: FluxConfig;
}

/**
 * The controller's Kubernetes-version preflight (`flux check --pre`), at admission time: the
 * Flux version each extension will install must support the Shoot's `spec.kubernetes.version`,
 * else an `Invalid value` at its `flux.version` naming both versions, the same words the
 * controller would write to the Extension later. A Shoot without a version passes (as there).
 */
export function checkShootRunsFluxVersions(
  shoot: unknown,
  extensions: readonly EvaluatedExtension[],
): FieldError[] {
  if (typeof shoot !== 'object' || shoot === null) return [];
  const kubernetesVersion = shootKubernetesVersion(shoot as Shoot);
  if (kubernetesVersion === undefined) return [];
  return extensions.flatMap(({ fieldPath, config }) => {
    if (!config) return [];
    const problem = checkKubernetesCompatibility(config.flux.version, kubernetesVersion);
    if (problem === undefined) return [];
    const path = FieldPath.of(prefixFieldPath('flux.version', fieldPath));
    return [invalid(path, config.flux.version, problem)];
  });
}
