import { describe, expect, it } from 'vitest';
import { decodeNamedResourceReferences } from '../../../src/api/shoot-resources.js';

describe('decodeNamedResourceReferences', () => {
  it('keeps well-formed entries and drops malformed ones', () => {
    expect(
      decodeNamedResourceReferences([
        { name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-secret' } },
        { name: 'cm', resourceRef: { kind: 'ConfigMap', name: 'settings' } },
        { name: 'broken' },
        { name: 3, resourceRef: { kind: 'Secret', name: 'x' } },
        { name: 'no-kind', resourceRef: { name: 'x' } },
        'text',
        null,
      ]),
    ).toEqual([
      { name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-secret' } },
      { name: 'cm', resourceRef: { kind: 'ConfigMap', name: 'settings' } },
    ]);
  });
  it.each([undefined, null, {}, 'x'])('reads %j as no resources', (raw) => {
    expect(decodeNamedResourceReferences(raw)).toEqual([]);
  });
});
