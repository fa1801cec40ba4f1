import { createHash } from 'node:crypto';
import { isRecord } from './is-record.js';

/** `value` with the keys of every object sorted, so equal objects serialise to equal text. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/**
 * JSON with object keys sorted at every level and undefined fields left out: equal for equal
 * objects whatever their key order. Hashes recorded in status are built from it, so its output
 * for a given value must never change (a changed hash would look like a changed config).
 */
export function canonicalJson(value: unknown): string {
  // Parsed YAML and JSON hold no functions, symbols or bigints, so this is always a string.
  return JSON.stringify(sortKeys(value));
}

/** The sha256 (hex) of {@link canonicalJson}: a content hash independent of key order. */
export function hashCanonicalJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
