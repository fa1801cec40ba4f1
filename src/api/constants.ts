/** API group, version and kind of the providerConfig. */
export const fluxConfigApiVersion = 'flux.extensions.gardener.cloud/v1alpha1';
export const fluxConfigKind = 'FluxConfig';

/** The Extension type this controller serves. */
export const extensionType = 'shoot-flux';

/** The Flux release installed when `flux.version` is not set: one constant, easy to bump. */
export const defaultFluxVersion = 'v2.9.2';
/**
 * `syncMode` values: what the extension keeps applying after the bootstrap. `Once` bootstraps
 * and then syncs secrets and shoot-info only (the reference's behaviour); `ManifestsOnly` also
 * re-applies the source and the Kustomization; `Full` also keeps the installation as configured
 * and upgrades it.
 */
export const syncModes = ['Once', 'ManifestsOnly', 'Full'] as const;
export type SyncMode = (typeof syncModes)[number];
/** `syncMode` when unset: today's behaviour, so existing shoots keep it. */
export const defaultSyncMode: SyncMode = 'Once';

/** Registry whose `<registry>/<component>` images replace `fluxcd/<component>`. */
export const defaultFluxRegistry = 'ghcr.io/fluxcd';
/** Namespace Flux is installed into. */
export const defaultFluxNamespace = 'flux-system';
/** Name of the bootstrapped source and Kustomization, and of the source's secret. */
export const defaultBootstrapName = 'flux-system';
/** Interval of the bootstrapped source and Kustomization. */
export const defaultInterval = '1m';

/** Every Flux component a FluxConfig may name. */
export const knownFluxComponents = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
  'image-reflector-controller',
  'image-automation-controller',
  'source-watcher',
] as const;
export type FluxComponent = (typeof knownFluxComponents)[number];

/** Flux's default component set (`flux install` without `--components`). */
export const defaultFluxComponents: readonly FluxComponent[] = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
];

/** Components a bootstrap cannot work without. */
export const requiredFluxComponents: readonly FluxComponent[] = ['source-controller', 'kustomize-controller'];

/** Flux source API group and the Kustomization API. */
export const sourceGroup = 'source.toolkit.fluxcd.io';
export const kustomizationApiVersion = 'kustomize.toolkit.fluxcd.io/v1';
export const kustomizationKind = 'Kustomization';

/** The first Flux release that serves OCIRepository at source.toolkit.fluxcd.io/v1. */
export const ociRepositoryV1SinceFlux = 'v2.6.0';

/**
 * Namespaces of a shoot that belong to Kubernetes (`default`, `kube-system`, `kube-public`,
 * `kube-node-lease`) or to Gardener (`kube-system` holds its system components and addons;
 * `kubernetes-dashboard` is the dashboard addon's, and with `kube-system` and `kube-node-lease`
 * a target namespace of the shoot's gardener-resource-manager). Flux, its NetworkPolicies
 * (which select every pod of their namespace) and the objects the extension writes never go
 * there.
 */
export const reservedShootNamespaces: readonly string[] = [
  'default',
  'kube-node-lease',
  'kube-public',
  'kube-system',
  'kubernetes-dashboard',
];
/** Kubernetes reserves namespace names with this prefix for its own system namespaces. */
export const reservedNamespacePrefix = 'kube-';

/**
 * Annotation on a seed Extension that asks for one more full bootstrap of an already
 * bootstrapped shoot (an operator sets it; shoot owners cannot reach the seed).
 */
export const rebootstrapAnnotation = 'flux.extensions.gardener.cloud/rebootstrap';

/** Label on every shoot object the extension manages (secrets, shoot-info). */
export const managedByLabelKey = 'app.kubernetes.io/managed-by';
export const managedByLabelValue = 'gardener-extension-shoot-flux';

/**
 * Annotation on every secret the extension synced into a shoot: the identity of the Extension
 * that created it. Together with the list kept in the Extension's `status.state`, it is what
 * makes a secret ours to delete; the label alone is not (a copy carries it too).
 */
export const secretOwnerAnnotationKey = 'flux.extensions.gardener.cloud/owner';

/** ConfigMap in the Flux namespace with facts about the shoot, for `postBuild.substituteFrom`. */
export const shootInfoConfigMapName = 'shoot-info';
