import { describe, expect, it } from 'vitest';
import { hashManifests } from '../../../../src/flux/install/hash.js';
import type { Manifest } from '../../../../src/flux/install/manifest.js';

const configMap = (data: Record<string, string>): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'ns' },
  data,
});

describe('hashManifests', () => {
  it('ignores key order', () => {
    const reordered: Manifest = {
      metadata: { namespace: 'ns', name: 'a' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
      data: { x: '1' },
    };
    expect(hashManifests([configMap({ x: '1' })])).toBe(hashManifests([reordered]));
  });

  it('changes with any value and with the order of objects', () => {
    const a = configMap({ x: '1' });
    const b = { ...configMap({ x: '1' }), metadata: { name: 'b', namespace: 'ns' } };
    expect(hashManifests([a])).not.toBe(hashManifests([configMap({ x: '2' })]));
    expect(hashManifests([a, b])).not.toBe(hashManifests([b, a]));
  });

  it('is a sha256 digest', () => {
    expect(hashManifests([])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
