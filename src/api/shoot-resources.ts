import type { NamedResourceReference } from './types.js';
import { isRecord } from './is-record.js';

/**
 * The well-formed entries of a Shoot's `spec.resources` (name, resourceRef kind and name strings);
 * malformed entries are left out, so a reference to one reads as "does not match any resource".
 */
export function decodeNamedResourceReferences(raw: unknown): NamedResourceReference[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry): NamedResourceReference[] => {
    if (!isRecord(entry) || typeof entry.name !== 'string' || !isRecord(entry.resourceRef)) return [];
    const { apiVersion, kind, name } = entry.resourceRef;
    if (typeof kind !== 'string' || typeof name !== 'string') return [];
    return [
      {
        name: entry.name,
        resourceRef: { ...(typeof apiVersion === 'string' ? { apiVersion } : {}), kind, name },
      },
    ];
  });
}
