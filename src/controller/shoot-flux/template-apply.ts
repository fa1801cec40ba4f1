import { pruneUndeclaredFields, type TemplateSchemas } from '../../api/template-schema.js';
import type { KustomizationObject, SourceObject } from '../../api/types.js';
import { applyObject, describeObject, findRejectedFields, type AppliedObject } from '../../kube/apply.js';
import { ConfigurationError } from '../errors.js';
import type { ClusterAccess } from './secret-sync.js';

/** Where a template sits in the providerConfig, to name its fields there. */
export type TemplatePath = 'source.template' | 'kustomization.template';

/**
 * Applies the source or Kustomization built from the user's template. With the schemas of the
 * Flux CRDs being installed, fields they do not declare are dropped first, as the API server's
 * pruning would drop them on a create: the evaluation already warned about each (status, Event,
 * log), and server-side apply would refuse the object for them. When the shoot's API
 * server refuses the object itself (a field its schema does not cover, a value it
 * rejects), that is the config's fault and retrying cannot help: it becomes a ConfigurationError
 * (terminal, `ERR_CONFIGURATION_PROBLEM`) naming the object and each field at its providerConfig
 * path, e.g. `source.template.metadata.labelz`. Any other error is passed on as it is.
 */
export async function applyTemplateObject(
  shoot: ClusterAccess,
  object: SourceObject | KustomizationObject,
  templatePath: TemplatePath,
  signal: AbortSignal,
  schemas?: TemplateSchemas,
): Promise<AppliedObject> {
  const applied = schemas ? pruneUndeclaredFields(object, schemas) : object;
  try {
    return await applyObject(shoot.client, applied, { signal, mapper: shoot.mapper });
  } catch (err) {
    const rejected = findRejectedFields(err);
    if (rejected === undefined) throw err;
    const fieldErrors = rejected.map((field) => ({
      type: 'FieldValueInvalid',
      field: `${templatePath}.${field.path}`,
      detail: field.detail,
    }));
    const fields =
      fieldErrors.length > 0
        ? fieldErrors.map((e) => `${e.field}: ${e.detail}`).join('; ')
        : (err as Error).message;
    throw new ConfigurationError(
      `the shoot's API server refused ${describeObject(object)} built from ${templatePath}: ${fields}`,
      fieldErrors,
      { cause: err },
    );
  }
}
