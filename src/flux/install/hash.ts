import { createHash } from 'node:crypto';
import type { Manifest } from './manifest.js';

/** JSON with object keys sorted at every level, so equal objects give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  // Parsed YAML holds no undefined, functions or bigints, so this is always a string.
  return JSON.stringify(value);
}

/**
 * Content hash of an install set (`sha256:<hex>`): equal for equal objects in equal order,
 * whatever their key order. A recorded hash lets a re-install skip sending anything.
 */
export function hashManifests(manifests: readonly Manifest[]): string {
  const hash = createHash('sha256');
  for (const manifest of manifests) hash.update(canonicalJson(manifest)).update('\n');
  return `sha256:${hash.digest('hex')}`;
}
