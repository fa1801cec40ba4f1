import { kustomizationApiVersion, kustomizationKind } from './constants.js';
import {
  notSupported,
  required,
  type FieldError,
  type FieldPath,
  type FieldWarning,
} from './field-errors.js';
import { ociRepositoryApiVersionFor } from './flux-version.js';
import {
  gitRepositoryApiVersions,
  ociRepositoryApiVersions,
  supportedSourceKinds,
  type OCIRepositoryApiVersion,
} from './types.js';

/** The apiVersion and kind a legacy (pre-OCI) template without either is read as. */
export const legacySourceApiVersion = 'source.toolkit.fluxcd.io/v1';
export const legacySourceKind = 'GitRepository';

/** A template object whose structure (field types) the schema has already checked. */
export type TemplateInput = Record<string, unknown>;

/** What decoding found out about a source template's type. */
export interface SourceTemplateType {
  kind: (typeof supportedSourceKinds)[number];
  /** The apiVersion the user wrote; undefined for a legacy template. */
  templateApiVersion?: string;
  /** The apiVersion written to the shoot. */
  apiVersion: string;
}

/** `""` counts as unset, as in Kubernetes' TypeMeta. */
function stringField(template: TemplateInput, name: string): string | undefined {
  const value = template[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** Whether a template is in the legacy format: neither apiVersion nor kind. */
export function isLegacySourceTemplate(template: TemplateInput): boolean {
  return stringField(template, 'apiVersion') === undefined && stringField(template, 'kind') === undefined;
}

/**
 * Decides the type of a source template by apiVersion/kind and the apiVersion it is written in
 * for Flux `fluxVersion`: GitRepository v1; OCIRepository v1 or v1beta2, converted to the one the
 * target Flux serves; legacy templates (neither field) are GitRepository v1, with a deprecation.
 */
export function decodeSourceTemplateType(
  template: TemplateInput,
  fluxVersion: string,
  path: FieldPath,
): { type?: SourceTemplateType; errors: FieldError[]; warnings: FieldWarning[] } {
  const apiVersion = stringField(template, 'apiVersion');
  const kind = stringField(template, 'kind');
  const warnings: FieldWarning[] = [];
  if (apiVersion === undefined && kind === undefined) {
    warnings.push({
      field: path.toString(),
      message:
        `template has neither apiVersion nor kind (legacy format, deprecated): read as ${legacySourceApiVersion} ` +
        `${legacySourceKind}; add "apiVersion: ${legacySourceApiVersion}" and "kind: ${legacySourceKind}" to the ` +
        'template, or run "gardener-extension-shoot-flux migrate -f FILE --write"',
    });
    return { type: { kind: legacySourceKind, apiVersion: legacySourceApiVersion }, errors: [], warnings };
  }
  if (kind === undefined) {
    return { errors: [required(path.child('kind'), 'kind must be set when apiVersion is set')], warnings };
  }
  if (apiVersion === undefined) {
    return {
      errors: [required(path.child('apiVersion'), 'apiVersion must be set when kind is set')],
      warnings,
    };
  }
  if (!isOneOf(kind, supportedSourceKinds)) {
    return { errors: [notSupported(path.child('kind'), kind, supportedSourceKinds)], warnings };
  }
  if (kind === 'GitRepository') {
    if (!isOneOf(apiVersion, gitRepositoryApiVersions)) {
      return {
        errors: [notSupported(path.child('apiVersion'), apiVersion, gitRepositoryApiVersions)],
        warnings,
      };
    }
    return { type: { kind, templateApiVersion: apiVersion, apiVersion }, errors: [], warnings };
  }
  if (!isOneOf(apiVersion, ociRepositoryApiVersions)) {
    return {
      errors: [notSupported(path.child('apiVersion'), apiVersion, ociRepositoryApiVersions)],
      warnings,
    };
  }
  const written: OCIRepositoryApiVersion = ociRepositoryApiVersionFor(fluxVersion) ?? apiVersion;
  if (written !== apiVersion) {
    warnings.push({
      field: path.child('apiVersion').toString(),
      message:
        `OCIRepository ${apiVersion} is written as ${written}, the version Flux ${fluxVersion} serves; ` +
        'update the template or run "gardener-extension-shoot-flux migrate -f FILE --write"',
    });
  }
  return { type: { kind, templateApiVersion: apiVersion, apiVersion: written }, errors: [], warnings };
}

/**
 * Checks a Kustomization template's apiVersion/kind: both may be omitted, any value other than
 * `kustomize.toolkit.fluxcd.io/v1` `Kustomization` is unsupported (each error carries its own value).
 */
export function validateKustomizationTemplateType(template: TemplateInput, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const apiVersion = stringField(template, 'apiVersion');
  const kind = stringField(template, 'kind');
  if (apiVersion !== undefined && apiVersion !== kustomizationApiVersion) {
    errors.push(notSupported(path.child('apiVersion'), apiVersion, [kustomizationApiVersion]));
  }
  if (kind !== undefined && kind !== kustomizationKind) {
    errors.push(notSupported(path.child('kind'), kind, [kustomizationKind]));
  }
  return errors;
}
