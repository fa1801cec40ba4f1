import type {
  SyncMode,
  fluxConfigApiVersion,
  fluxConfigKind,
  kustomizationApiVersion,
  kustomizationKind,
} from './constants.js';

/** A `Shoot.spec.resources[]` entry: a named reference to an object in the Shoot's project. */
export interface NamedResourceReference {
  name: string;
  resourceRef: { apiVersion?: string; kind: string; name: string };
}

/** Object metadata of a template; fields we do not read are kept for the API server to judge. */
export interface TemplateMetadata {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A `LocalObjectReference` as Flux uses it for `spec.secretRef`. */
export interface SecretReference {
  name?: string;
  [field: string]: unknown;
}

/** GitRepository `spec.ref`. */
export interface GitRepositoryRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
  [field: string]: unknown;
}

/** OCIRepository `spec.ref`. */
export interface OCIRepositoryRef {
  tag?: string;
  semver?: string;
  semverFilter?: string;
  digest?: string;
  [field: string]: unknown;
}

/** The spec fields every bootstrapped source has; others are Flux's to judge and kept as written. */
interface SourceSpec<Ref> {
  url?: string;
  interval: string;
  timeout?: string;
  ref?: Ref;
  secretRef?: SecretReference;
  [field: string]: unknown;
}

/** The GitRepository API versions we accept in a template. */
export const gitRepositoryApiVersions = ['source.toolkit.fluxcd.io/v1'] as const;
/** The OCIRepository API versions we accept in a template; the written one follows the Flux version. */
export const ociRepositoryApiVersions = [
  'source.toolkit.fluxcd.io/v1',
  'source.toolkit.fluxcd.io/v1beta2',
] as const;
export type OCIRepositoryApiVersion = (typeof ociRepositoryApiVersions)[number];

/** A Flux GitRepository as it is written to the shoot. */
export interface GitRepositoryObject {
  apiVersion: (typeof gitRepositoryApiVersions)[number];
  kind: 'GitRepository';
  metadata: TemplateMetadata;
  spec: SourceSpec<GitRepositoryRef>;
  [field: string]: unknown;
}

/** A Flux OCIRepository as it is written to the shoot. */
export interface OCIRepositoryObject {
  apiVersion: OCIRepositoryApiVersion;
  kind: 'OCIRepository';
  metadata: TemplateMetadata;
  spec: SourceSpec<OCIRepositoryRef>;
  [field: string]: unknown;
}

/** The bootstrapped source, discriminated on `kind`. */
export type SourceObject = GitRepositoryObject | OCIRepositoryObject;
/** The source kinds a FluxConfig may bootstrap. */
export const supportedSourceKinds = ['GitRepository', 'OCIRepository'] as const;
export type SourceKind = SourceObject['kind'];

/** `kustomization.template.spec.sourceRef`. */
export interface KustomizationSourceRef {
  kind: string;
  name: string;
  namespace: string;
  [field: string]: unknown;
}

/** A Flux Kustomization as it is written to the shoot. */
export interface KustomizationObject {
  apiVersion: typeof kustomizationApiVersion;
  kind: typeof kustomizationKind;
  metadata: TemplateMetadata;
  spec: {
    path?: string;
    interval: string;
    timeout?: string;
    prune: boolean;
    sourceRef: KustomizationSourceRef;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** Which objects a `flux.patches[]` entry applies to; name, namespace, kind, group and version are anchored regular expressions, as kustomize's. */
export interface FluxPatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** A `flux.patches[]` entry: a strategic merge or JSON 6902 patch (YAML or JSON text) and its target. */
export interface FluxInstallPatch {
  patch: string;
  target?: FluxPatchTarget;
}

/** `flux.logLevel` values, as `flux install --log-level` takes them. */
export const fluxLogLevels = ['debug', 'info', 'error'] as const;
export type FluxLogLevel = (typeof fluxLogLevels)[number];

/**
 * `flux`: which Flux to install. Version, registry and namespace are defaulted; the `flux install`
 * options below stay absent when unset (absent means Flux's default), so a config that does not
 * use them hashes as before they existed.
 */
export interface FluxInstallation {
  version: string;
  registry: string;
  namespace: string;
  components?: string[];
  componentsExtra?: string[];
  /** `--network-policy` (default true). */
  networkPolicy?: boolean;
  /** `--cluster-domain` (default `cluster.local`). */
  clusterDomain?: string;
  /** `--log-level` (default `info`). */
  logLevel?: FluxLogLevel;
  /** `--watch-all-namespaces` (default true). */
  watchAllNamespaces?: boolean;
  /** `--toleration-keys`. */
  tolerationKeys?: string[];
  /** A `Shoot.spec.resources[]` entry naming a dockerconfigjson Secret: `--image-pull-secret`. */
  imagePullSecret?: string;
  /** Patches applied to the rendered install set, as a bootstrap repository's kustomization takes them. */
  patches?: FluxInstallPatch[];
}

/** `source`: the bootstrapped source. */
export interface FluxSource {
  /** The decoded, defaulted template, in the apiVersion written to the shoot. */
  template: SourceObject;
  /** The apiVersion the user wrote; undefined for a legacy template without apiVersion and kind. */
  templateApiVersion?: string;
  /** Name of the `Shoot.spec.resources[]` entry holding the source's credentials. */
  secretResourceName?: string;
}

/** `kustomization`: the bootstrapped Kustomization. */
export interface FluxKustomization {
  template: KustomizationObject;
}

/** `additionalSecretResources[]`: further secrets synced into the Flux namespace. */
export interface AdditionalSecretResource {
  /** Name of a `Shoot.spec.resources[]` entry. */
  name: string;
  /** Name of the secret in the shoot; defaults to the referenced secret's `resourceRef.name`. */
  targetName?: string;
}

/** The shoot-flux providerConfig, decoded and fully defaulted. */
export interface FluxConfig {
  apiVersion: typeof fluxConfigApiVersion;
  kind: typeof fluxConfigKind;
  /** What is kept applied after the bootstrap (default `Once`). */
  syncMode: SyncMode;
  flux: FluxInstallation;
  source?: FluxSource;
  kustomization?: FluxKustomization;
  additionalSecretResources: AdditionalSecretResource[];
}
