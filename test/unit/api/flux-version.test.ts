import { describe, expect, it } from 'vitest';
import { ociRepositoryApiVersionFor, validateFluxVersion } from '../../../src/api/flux-version.js';

describe('validateFluxVersion', () => {
  it.each(['v2.0.0', 'v2.9.2', 'v10.0.1'])('accepts %s', (version) => {
    expect(validateFluxVersion(version)).toEqual([]);
  });
  it.each(['', '2.9.2', 'latest', 'v2.9', 'v2.9.2-rc.1', 'v02.1.0', 'v1.25.4', 'v0.41.2'])(
    'rejects %j',
    (version) => {
      expect(validateFluxVersion(version)).toHaveLength(1);
    },
  );
});

describe('ociRepositoryApiVersionFor', () => {
  it.each([
    ['v2.0.0', 'source.toolkit.fluxcd.io/v1beta2'],
    ['v2.5.1', 'source.toolkit.fluxcd.io/v1beta2'],
    ['v2.6.0', 'source.toolkit.fluxcd.io/v1'],
    ['v2.9.2', 'source.toolkit.fluxcd.io/v1'],
    ['latest', undefined],
  ])('Flux %s serves %s', (version, apiVersion) => {
    expect(ociRepositoryApiVersionFor(version)).toBe(apiVersion);
  });
});
