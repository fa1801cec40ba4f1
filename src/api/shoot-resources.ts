import type { NamedResourceReference } from './types.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The well-formed entries of a Shoot's `spec.resources` (name, resourceRef kind and name strings);
 * malformed entries are left out, so a reference to one reads as "does not match any resource".
 */
export function decodeNamedResourceReferences(raw: unknown): NamedResourceReference[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry): NamedResourceReference[] => {
    if (!isObject(entry) || typeof entry.name !== 'string' || !isObject(entry.resourceRef)) return [];
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
