import { createHash } from 'node:crypto';
import { canonicalJson } from '../../api/canonical-json.js';
import type { Manifest } from './manifest.js';

/**
 * Content hash of an install set (`sha256:<hex>`): equal for equal objects in equal order,
 * whatever their key order. A recorded hash lets a re-install skip sending anything.
 */
export function hashManifests(manifests: readonly Manifest[]): string {
  const hash = createHash('sha256');
  for (const manifest of manifests) hash.update(canonicalJson(manifest)).update('\n');
  return `sha256:${hash.digest('hex')}`;
}
