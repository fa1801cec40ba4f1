import { FieldPath, notFound, prefixFieldPath, type FieldError } from '../api/field-errors.js';
import type { FluxConfig, NamedResourceReference } from '../api/types.js';

/** The port the webhook reads garden secrets through; without one the existence check is skipped. */
export interface SecretReader {
  /** Whether the Secret exists (an uncached GET); throws when the garden cannot be asked. */
  secretExists(namespace: string, name: string, signal?: AbortSignal): Promise<boolean>;
}

/** A Secret a providerConfig makes the extension sync, and the field that names it. */
export interface ReferencedSecret {
  /** Full field path, e.g. `spec.extensions[0].providerConfig.source.secretResourceName`. */
  field: string;
  /** The `Shoot.spec.resources[].name` the field names. */
  resourceName: string;
  /** The entry's `resourceRef.name`: the Secret in the Shoot's namespace. */
  secretName: string;
}

/** The garden could not answer whether a referenced Secret exists. */
export class SecretCheckError extends Error {
  override readonly name = 'SecretCheckError';
}

/**
 * Every Secret a valid config references through `Shoot.spec.resources`: the source's
 * `secretResourceName`, each `additionalSecretResources[].name` and `flux.imagePullSecret`. Entries that are missing or
 * not Secrets are left out: validation reports those already.
 */
export function listReferencedSecrets(
  config: FluxConfig,
  shootResources: readonly NamedResourceReference[],
  fieldPrefix: string,
): ReferencedSecret[] {
  const named: { field: string; resourceName: string }[] = [];
  if (config.source?.secretResourceName) {
    named.push({ field: 'source.secretResourceName', resourceName: config.source.secretResourceName });
  }
  config.additionalSecretResources.forEach((entry, i) => {
    named.push({ field: `additionalSecretResources[${i}].name`, resourceName: entry.name });
  });
  if (config.flux.imagePullSecret) {
    named.push({ field: 'flux.imagePullSecret', resourceName: config.flux.imagePullSecret });
  }
  return named.flatMap(({ field, resourceName }): ReferencedSecret[] => {
    const resource = shootResources.find((r) => r.name === resourceName);
    if (resource?.resourceRef.kind !== 'Secret') return [];
    return [
      { field: prefixFieldPath(field, fieldPrefix), resourceName, secretName: resource.resourceRef.name },
    ];
  });
}

/**
 * A `Not found` field error for every referenced Secret missing from the Shoot's namespace,
 * asking the garden once per Secret. Throws SecretCheckError when the garden cannot answer.
 */
export async function checkReferencedSecrets(
  references: readonly ReferencedSecret[],
  namespace: string,
  reader: SecretReader,
  signal?: AbortSignal,
): Promise<FieldError[]> {
  const names = [...new Set(references.map((r) => r.secretName))];
  const existing = new Map<string, boolean>();
  await Promise.all(
    names.map(async (name) => {
      try {
        existing.set(name, await reader.secretExists(namespace, name, signal));
      } catch (err) {
        throw new SecretCheckError(
          `cannot check that secret ${namespace}/${name} exists: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    }),
  );
  return references
    .filter((r) => existing.get(r.secretName) === false)
    .map((r) =>
      notFound(
        FieldPath.of(r.field),
        r.resourceName,
        `Shoot.spec.resources[].resourceRef names secret ${JSON.stringify(r.secretName)}, which does not exist in namespace ${JSON.stringify(namespace)}`,
      ),
    );
}
