import { defaultFluxVersion } from './constants.js';
import { ociRepositoryApiVersionFor } from './flux-version.js';
import { isLegacySourceTemplate, legacySourceApiVersion, legacySourceKind } from './source-template.js';
import { ociRepositoryApiVersions } from './types.js';

/** Field values to set on `source.template` to bring a providerConfig into the current format. */
export interface SourceTemplateMigration {
  apiVersion: string;
  /** Set only when the template has no kind (legacy format). */
  kind?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What `migrate` changes in a providerConfig, undefined when nothing: a legacy template gets the
 * GitRepository apiVersion and kind; an OCIRepository template gets the apiVersion its Flux serves.
 */
export function buildSourceTemplateMigration(raw: unknown): SourceTemplateMigration | undefined {
  if (!isObject(raw) || !isObject(raw.source) || !isObject(raw.source.template)) return undefined;
  const template = raw.source.template;
  if (isLegacySourceTemplate(template)) return { apiVersion: legacySourceApiVersion, kind: legacySourceKind };
  if (template.kind !== 'OCIRepository' || typeof template.apiVersion !== 'string') return undefined;
  if (!(ociRepositoryApiVersions as readonly string[]).includes(template.apiVersion)) return undefined;
  const flux = isObject(raw.flux) ? raw.flux : {};
  const version = typeof flux.version === 'string' ? flux.version : defaultFluxVersion;
  const served = ociRepositoryApiVersionFor(version);
  return served !== undefined && served !== template.apiVersion ? { apiVersion: served } : undefined;
}
