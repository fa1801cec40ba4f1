/** API group, version and kind of the providerConfig. */
export const fluxConfigApiVersion = 'flux.extensions.gardener.cloud/v1alpha1';
export const fluxConfigKind = 'FluxConfig';

/** The Extension type this controller serves. */
export const extensionType = 'shoot-flux';

/** The Flux release installed when `flux.version` is not set: one constant, easy to bump. */
export const defaultFluxVersion = 'v2.9.2';
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
 * Annotation on a seed Extension that asks for one more full bootstrap of an already
 * bootstrapped shoot (an operator sets it; shoot owners cannot reach the seed).
 */
export const rebootstrapAnnotation = 'flux.extensions.gardener.cloud/rebootstrap';

/** Label on every shoot object the extension manages (secrets, shoot-info). */
export const managedByLabelKey = 'app.kubernetes.io/managed-by';
export const managedByLabelValue = 'gardener-extension-shoot-flux';

/** ConfigMap in the Flux namespace with facts about the shoot, for `postBuild.substituteFrom`. */
export const shootInfoConfigMapName = 'shoot-info';
