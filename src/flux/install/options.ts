import { resolveFluxComponents } from '../../api/components.js';
import { defaultFluxInstallation } from '../../api/defaults.js';
import { FieldPath, formatFieldError } from '../../api/field-errors.js';
import { validateEffectiveFluxInstall } from '../../api/flux-install-options.js';
import type { FluxInstallPatch } from '../../api/types.js';

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

/**
 * The first problem of install options as a FluxInstallError naming the field; `undefined` when
 * fine. The rules and their wording are the API's ({@link validateEffectiveFluxInstall}); this
 * only turns the first field error into the error renderInstallManifests throws.
 */
export function validateFluxInstallOptions(options: FluxInstallOptions): FluxInstallError | undefined {
  const [first] = validateEffectiveFluxInstall(options, FieldPath.root().child('flux'));
  return first && new FluxInstallError(formatFieldError({ ...first, field: '' }), first.field);
}
