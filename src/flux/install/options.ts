import { resolveFluxComponents } from '../../api/components.js';
import { defaultFluxRegistry, knownFluxComponents } from '../../api/constants.js';
import { defaultFluxInstallation } from '../../api/defaults.js';
import { validateFluxVersion } from '../../api/flux-version.js';
import { validateDns1123Label, validateDns1123Subdomain } from '../../api/names.js';
import { fluxLogLevels, type FluxInstallPatch } from '../../api/types.js';

/** What to install: the inputs of `flux install --export` that a FluxConfig controls. */
export interface FluxInstallOptions {
  /** Flux release, `v<major>.<minor>.<patch>` (a release tag, never `latest`). */
  readonly version: string;
  /** Namespace of the Flux controllers. */
  readonly namespace: string;
  /** Registry replacing `fluxcd` in images (`<registry>/<component>`); empty keeps the bundle's images. */
  readonly registry: string;
  /** The effective component list, in install order, without duplicates. */
  readonly components: readonly string[];
  /** `--network-policy`: whether the release's NetworkPolicies are part of the set. */
  readonly networkPolicy: boolean;
  /** `--cluster-domain`, in the events and storage addresses. */
  readonly clusterDomain: string;
  /** `--log-level` of every controller. */
  readonly logLevel: string;
  /** `--watch-all-namespaces` of every controller. */
  readonly watchAllNamespaces: boolean;
  /** `--toleration-keys`: an `Exists` toleration per key on every Deployment. */
  readonly tolerationKeys: readonly string[];
  /** `--image-pull-secret`: the name of a secret in the Flux namespace; empty for none. */
  readonly imagePullSecret: string;
  /** Patches applied to the rendered set, in order. */
  readonly patches: readonly FluxInstallPatch[];
}

/**
 * The `flux` section of a FluxConfig, as far as installation is concerned. `imagePullSecret` is
 * the secret's name in the shoot here (the caller resolves the `Shoot.spec.resources` entry).
 */
export interface FluxInstallationSpec {
  version?: string;
  registry?: string;
  namespace?: string;
  components?: readonly string[];
  componentsExtra?: readonly string[];
  networkPolicy?: boolean;
  clusterDomain?: string;
  logLevel?: string;
  watchAllNamespaces?: boolean;
  tolerationKeys?: readonly string[];
  imagePullSecret?: string;
  patches?: readonly FluxInstallPatch[];
}

/** Flux's defaults of the `flux install` flags (`MakeDefaultOptions`): absent options get these. */
export const fluxInstallDefaults = {
  networkPolicy: true,
  watchAllNamespaces: true,
  logLevel: 'info',
  clusterDomain: 'cluster.local',
} as const;

/** A problem with the install options or the release bundle; `field` names the FluxConfig field when one is at fault. */
export class FluxInstallError extends Error {
  override readonly name = 'FluxInstallError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}

/**
 * Install options from a FluxConfig `flux` section: unset fields get the defaults, `components`
 * replaces Flux's default list when non-empty and `componentsExtra` is appended, duplicates removed.
 * An explicit empty `registry` is kept (no image rewrite).
 */
export function buildFluxInstallOptions(spec: FluxInstallationSpec = {}): FluxInstallOptions {
  const { version, namespace, registry } = defaultFluxInstallation({
    ...(spec.version !== undefined ? { version: spec.version } : {}),
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    ...(spec.registry !== undefined ? { registry: spec.registry } : {}),
  });
  return {
    version,
    namespace,
    registry,
    components: resolveFluxComponents(spec.components, spec.componentsExtra),
    networkPolicy: spec.networkPolicy ?? fluxInstallDefaults.networkPolicy,
    clusterDomain: spec.clusterDomain ?? fluxInstallDefaults.clusterDomain,
    logLevel: spec.logLevel ?? fluxInstallDefaults.logLevel,
    watchAllNamespaces: spec.watchAllNamespaces ?? fluxInstallDefaults.watchAllNamespaces,
    tolerationKeys: [...(spec.tolerationKeys ?? [])],
    imagePullSecret: spec.imagePullSecret ?? '',
    patches: [...(spec.patches ?? [])],
  };
}

// host[:port][/path] without scheme, tag or whitespace, as kustomize's images newName takes it.
const registryPattern = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._/-]*[a-z0-9])?)?$/;

/** Whether a string is an image repository prefix (`host[:port][/path]`) that can replace `fluxcd`. */
export function isImageRegistry(value: string): boolean {
  return registryPattern.test(value);
}

/** Whether a string is a Flux release we install (`vMAJOR.MINOR.PATCH`, at least v2.0.0; the API's rule). */
export function isFluxReleaseVersion(version: string): boolean {
  return validateFluxVersion(version).length === 0;
}

/**
 * Checks install options and returns the first problem, naming the field; `undefined` when fine.
 * Catches what the Go reference let through: `latest` or `2.9.2` (which installed the latest release)
 * and unknown component names.
 */
export function validateFluxInstallOptions(options: FluxInstallOptions): FluxInstallError | undefined {
  const [versionProblem] = validateFluxVersion(options.version);
  if (versionProblem) {
    return new FluxInstallError(`Invalid value: "${options.version}": ${versionProblem}`, 'flux.version');
  }
  const [namespaceProblem] = validateDns1123Label(options.namespace);
  if (namespaceProblem) {
    return new FluxInstallError(
      `Invalid value: "${options.namespace}": ${namespaceProblem}`,
      'flux.namespace',
    );
  }
  if (options.registry !== '' && !isImageRegistry(options.registry)) {
    return new FluxInstallError(
      `Invalid value: "${options.registry}": must be an image repository prefix like ${defaultFluxRegistry}`,
      'flux.registry',
    );
  }
  if (!(fluxLogLevels as readonly string[]).includes(options.logLevel)) {
    return new FluxInstallError(
      `Unsupported value: "${options.logLevel}": supported values: ${fluxLogLevels.map((l) => `"${l}"`).join(', ')}`,
      'flux.logLevel',
    );
  }
  const [domainProblem] = validateDns1123Subdomain(options.clusterDomain);
  if (domainProblem) {
    return new FluxInstallError(
      `Invalid value: "${options.clusterDomain}": ${domainProblem}`,
      'flux.clusterDomain',
    );
  }
  const [pullSecretProblem] =
    options.imagePullSecret === '' ? [] : validateDns1123Subdomain(options.imagePullSecret);
  if (pullSecretProblem) {
    return new FluxInstallError(
      `Invalid value: "${options.imagePullSecret}": ${pullSecretProblem}`,
      'flux.imagePullSecret',
    );
  }
  if (options.components.length === 0) {
    return new FluxInstallError('Required value: at least one component', 'flux.components');
  }
  const known: readonly string[] = knownFluxComponents;
  const seen = new Set<string>();
  for (const [index, component] of options.components.entries()) {
    if (!known.includes(component)) {
      return new FluxInstallError(
        `Unsupported value: "${component}": supported values: ${knownFluxComponents.map((c) => `"${c}"`).join(', ')}`,
        `flux.components[${index}]`,
      );
    }
    if (seen.has(component)) {
      return new FluxInstallError(`Duplicate value: "${component}"`, `flux.components[${index}]`);
    }
    seen.add(component);
  }
  return undefined;
}
