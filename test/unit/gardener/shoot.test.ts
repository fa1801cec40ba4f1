import { describe, expect, it } from 'vitest';
import { findShootFluxExtensions, isShootDocument, readShootResources } from '../../../src/gardener/shoot.js';

const shoot = (spec: unknown) => ({ apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Shoot', spec });

describe('Shoot documents', () => {
  it('tells a v1beta1 Shoot from other documents', () => {
    expect(isShootDocument(shoot({}))).toBe(true);
    expect(isShootDocument({ apiVersion: 'core.gardener.cloud/v1', kind: 'Shoot' })).toBe(false);
    expect(isShootDocument({ apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Seed' })).toBe(false);
    expect(isShootDocument(null)).toBe(false);
  });

  it('finds the shoot-flux extensions in effect with their index and field path', () => {
    const found = findShootFluxExtensions(
      shoot({
        extensions: [
          { type: 'shoot-dns-service', providerConfig: { a: 1 } },
          { type: 'shoot-flux', providerConfig: { b: 2 } },
          { type: 'shoot-flux', disabled: true, providerConfig: { c: 3 } },
          { type: 'shoot-flux', disabled: false },
          'not an entry',
        ],
      }),
    );
    expect(found).toEqual([
      { index: 1, fieldPath: 'spec.extensions[1].providerConfig', providerConfig: { b: 2 } },
      { index: 3, fieldPath: 'spec.extensions[3].providerConfig', providerConfig: undefined },
    ]);
  });

  it('finds nothing in malformed Shoots', () => {
    expect(findShootFluxExtensions(shoot({ extensions: { type: 'shoot-flux' } }))).toEqual([]);
    expect(findShootFluxExtensions(shoot('spec'))).toEqual([]);
    expect(findShootFluxExtensions(undefined)).toEqual([]);
  });

  it('reads spec.resources, leaving out malformed entries', () => {
    expect(
      readShootResources(
        shoot({
          resources: [
            { name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-auth' } },
            { name: 'broken' },
          ],
        }),
      ),
    ).toEqual([{ name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-auth' } }]);
  });
});
