import { defaultFluxVersion } from './constants.js';
import { ociRepositoryApiVersionFor } from './flux-version.js';
import { isLegacySourceTemplate, legacySourceApiVersion, legacySourceKind } from './source-template.js';
import { ociRepositoryApiVersions } from './types.js';
import { isRecord } from './is-record.js';

/** Field values to set on `source.template` to bring a providerConfig into the current format. */
export interface SourceTemplateMigration {
  apiVersion: string;
  /** Set only when the template has no kind (legacy format). */
  kind?: string;
}

/**
 * What `migrate` changes in a providerConfig, undefined when nothing: a legacy template gets the
 * GitRepository apiVersion and kind; an OCIRepository template gets the apiVersion its Flux serves.
 */
export function buildSourceTemplateMigration(raw: unknown): SourceTemplateMigration | undefined {
  if (!isRecord(raw) || !isRecord(raw.source) || !isRecord(raw.source.template)) return undefined;
  const template = raw.source.template;
  if (isLegacySourceTemplate(template)) return { apiVersion: legacySourceApiVersion, kind: legacySourceKind };
  if (template.kind !== 'OCIRepository' || typeof template.apiVersion !== 'string') return undefined;
  if (!(ociRepositoryApiVersions as readonly string[]).includes(template.apiVersion)) return undefined;
  const flux = isRecord(raw.flux) ? raw.flux : {};
  const version = typeof flux.version === 'string' ? flux.version : defaultFluxVersion;
  const served = ociRepositoryApiVersionFor(version);
  return served !== undefined && served !== template.apiVersion ? { apiVersion: served } : undefined;
}
