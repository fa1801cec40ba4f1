import {
  defaultBootstrapName,
  defaultFluxNamespace,
  defaultFluxRegistry,
  defaultFluxVersion,
  defaultInterval,
  kustomizationApiVersion,
  kustomizationKind,
} from './constants.js';
import type { SourceTemplateType, TemplateInput } from './source-template.js';
import type {
  FluxInstallation,
  KustomizationObject,
  KustomizationSourceRef,
  SourceObject,
  TemplateMetadata,
} from './types.js';
import { isRecord } from './is-record.js';

/** The providerConfig as the schema admits it: types checked, nothing defaulted yet. */
export interface FluxConfigInput {
  apiVersion?: string;
  kind?: string;
  syncMode?: string;
  flux?: Partial<FluxInstallation>;
  source?: { template?: TemplateInput; secretResourceName?: string };
  kustomization?: { template?: TemplateInput };
  additionalSecretResources?: { name: string; targetName?: string }[];
}

/** `flux` with version, registry and namespace defaulted when absent (an explicit `""` is kept and judged). */
export function defaultFluxInstallation(flux: Partial<FluxInstallation> = {}): FluxInstallation {
  return {
    ...flux,
    version: flux.version ?? defaultFluxVersion,
    registry: flux.registry ?? defaultFluxRegistry,
    namespace: flux.namespace ?? defaultFluxNamespace,
  };
}

function objectField(parent: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = parent[name];
  return isRecord(value) ? value : {};
}

/** The template's fields other than the ones every object has, to follow them in the written object. */
function otherFields(template: TemplateInput): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(template).filter(([key]) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(key)),
  );
}

function defaultMetadata(template: TemplateInput, namespace: string): TemplateMetadata {
  const metadata = objectField(template, 'metadata');
  return {
    ...metadata,
    name: typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : defaultBootstrapName,
    namespace:
      typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : namespace,
  };
}

/**
 * The source written to the shoot: the template in its written apiVersion with `metadata.name`
 * `flux-system`, `metadata.namespace` the Flux namespace, `spec.interval` `1m`, and
 * `spec.secretRef.name` `flux-system` when credentials are configured but no secretRef is.
 */
export function defaultSourceTemplate(
  template: TemplateInput,
  type: SourceTemplateType,
  fluxNamespace: string,
  secretResourceName: string | undefined,
): SourceObject {
  const copy = structuredClone(template);
  const spec = objectField(copy, 'spec');
  const secretRef = objectField(spec, 'secretRef');
  const needsSecretRef =
    secretResourceName !== undefined &&
    secretResourceName !== '' &&
    (typeof secretRef.name !== 'string' || secretRef.name === '');
  // Written in the usual Kubernetes key order; fields we do not know follow.
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: defaultMetadata(copy, fluxNamespace),
    ...otherFields(copy),
    spec: {
      ...spec,
      interval: typeof spec.interval === 'string' ? spec.interval : defaultInterval,
      ...(needsSecretRef ? { secretRef: { ...secretRef, name: defaultBootstrapName } } : {}),
    },
  } as SourceObject;
}

/**
 * The Kustomization written to the shoot: `metadata.name` `flux-system`, `metadata.namespace` the
 * Flux namespace, `spec.interval` `1m`, `spec.prune` false (the CRD requires it), and `spec.sourceRef`
 * kind/name/namespace taken from the bootstrapped source.
 */
export function defaultKustomizationTemplate(
  template: TemplateInput,
  source: SourceObject | undefined,
  fluxNamespace: string,
): KustomizationObject {
  const copy = structuredClone(template);
  const spec = objectField(copy, 'spec');
  const sourceRef = objectField(spec, 'sourceRef');
  const pick = (value: unknown, fallback: string) =>
    typeof value === 'string' && value !== '' ? value : fallback;
  const defaultedSourceRef: KustomizationSourceRef = {
    ...sourceRef,
    kind: pick(sourceRef.kind, source?.kind ?? 'GitRepository'),
    name: pick(sourceRef.name, source?.metadata.name ?? defaultBootstrapName),
    namespace: pick(sourceRef.namespace, source?.metadata.namespace ?? fluxNamespace),
  };
  return {
    apiVersion: kustomizationApiVersion,
    kind: kustomizationKind,
    metadata: defaultMetadata(copy, fluxNamespace),
    ...otherFields(copy),
    spec: {
      ...spec,
      interval: typeof spec.interval === 'string' ? spec.interval : defaultInterval,
      prune: typeof spec.prune === 'boolean' ? spec.prune : false,
      sourceRef: defaultedSourceRef,
    },
  };
}
