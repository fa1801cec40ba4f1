import { extensionType } from '../api/constants.js';
import { decodeNamedResourceReferences } from '../api/shoot-resources.js';
import type { NamedResourceReference } from '../api/types.js';
import { shootApiVersion, shootKind } from './constants.js';
import { isRecord } from '../api/is-record.js';

/** One `spec.extensions[]` entry of a Shoot that Gardener turns into a shoot-flux Extension. */
export interface ShootFluxExtension {
  /** Index in `spec.extensions`. */
  index: number;
  /** `spec.extensions[<index>].providerConfig`: the prefix of every field path found in it. */
  fieldPath: string;
  /** As written; undefined when the entry has none (Flux installed with nothing to reconcile). */
  providerConfig: unknown;
}

function specOf(shoot: unknown): Record<string, unknown> {
  return isRecord(shoot) && isRecord(shoot.spec) ? shoot.spec : {};
}

/** Whether a document is a `core.gardener.cloud/v1beta1` Shoot. */
export function isShootDocument(document: unknown): boolean {
  return isRecord(document) && document.apiVersion === shootApiVersion && document.kind === shootKind;
}

/**
 * The shoot-flux entries of a Shoot's `spec.extensions` that are in effect: `type: shoot-flux` and
 * not `disabled: true` (Gardener creates no Extension for a disabled entry). The CLI's `validate`
 * and the admission webhook both read a Shoot through this, so they judge the same entries.
 */
export function findShootFluxExtensions(shoot: unknown): ShootFluxExtension[] {
  const extensions = specOf(shoot).extensions;
  if (!Array.isArray(extensions)) return [];
  return extensions.flatMap((entry: unknown, index): ShootFluxExtension[] =>
    isRecord(entry) && entry.type === extensionType && entry.disabled !== true
      ? [
          {
            index,
            fieldPath: `spec.extensions[${index}].providerConfig`,
            providerConfig: entry.providerConfig,
          },
        ]
      : [],
  );
}

/** The Shoot's `spec.resources`, the names secret references resolve against. */
export function readShootResources(shoot: unknown): NamedResourceReference[] {
  return decodeNamedResourceReferences(specOf(shoot).resources);
}
