import { FieldPath, invalid, formatFieldErrors } from '../../api/field-errors.js';
import { checkKubernetesCompatibility } from '../../api/kubernetes-compatibility.js';
import { shootKubernetesVersion } from '../../gardener/cluster.js';
import type { Shoot } from '../../gardener/types.js';
import { ConfigurationError } from '../errors.js';

/**
 * The preflight `flux check --pre` does, before anything is written to the shoot: the Flux
 * version to install must support the shoot's Kubernetes version (`spec.kubernetes.version`).
 * Throws a ConfigurationError at `flux.version` naming both versions; a shoot that does not say
 * its version passes (its API server is then the judge).
 */
export function checkShootRunsFlux(fluxVersion: string, shoot: Shoot): void {
  const kubernetesVersion = shootKubernetesVersion(shoot);
  if (kubernetesVersion === undefined) return;
  const problem = checkKubernetesCompatibility(fluxVersion, kubernetesVersion);
  if (problem === undefined) return;
  const errors = [invalid(FieldPath.root().child('flux', 'version'), fluxVersion, problem)];
  throw new ConfigurationError(`invalid providerConfig: ${formatFieldErrors(errors)}`, errors);
}
