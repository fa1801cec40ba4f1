import { describe, expect, it } from 'vitest';
import { canonicalJson, hashCanonicalJson } from '../../../src/api/canonical-json.js';
import type { FluxConfig } from '../../../src/api/types.js';
import { hashBootstrapConfig } from '../../../src/controller/shoot-flux/state.js';
import { hashManifests } from '../../../src/flux/install/hash.js';
import type { Manifest } from '../../../src/flux/install/manifest.js';

const configMap = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'b', labels: { z: '1', a: '2' } },
  data: { é: 'x', B: 'y', a: 'z' },
};
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  spec: {
    replicas: 1,
    template: {
      spec: { containers: [{ name: 'c', args: ['--a', '--b'], env: [{ value: '1', name: 'X' }] }] },
    },
  },
  status: undefined,
};
const config = {
  source: {
    template: {
      spec: { url: 'https://example.com/repo', ref: { branch: 'main' } },
      kind: 'GitRepository',
      apiVersion: 'source.toolkit.fluxcd.io/v1',
    },
  },
  flux: { version: 'v2.9.2', registry: 'ghcr.io/fluxcd', namespace: 'flux-system' },
  kustomization: { template: { spec: { path: './x', interval: '10m' } } },
  extra: undefined,
};

describe('canonicalJson', () => {
  it('sorts keys at every level by code unit and leaves out undefined fields', () => {
    expect(canonicalJson(configMap)).toBe(
      '{"apiVersion":"v1","data":{"B":"y","a":"z","é":"x"},"kind":"ConfigMap","metadata":{"labels":{"a":"2","z":"1"},"name":"b"}}',
    );
    expect(canonicalJson({ b: [{ d: 1, c: undefined }], a: null })).toBe('{"a":null,"b":[{"d":1}]}');
  });

  it('is the same for equal objects in any key order', () => {
    expect(hashCanonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(
      hashCanonicalJson({ b: { d: 3, c: 2 }, a: 1 }),
    );
  });

  // Both hashes are recorded in Extension status: a new value for the same input would make
  // every shoot look changed after an upgrade (a re-install, a re-bootstrap).
  it('keeps the install and bootstrap hashes recorded by earlier versions', () => {
    expect(hashManifests([configMap, deployment] as Manifest[])).toBe(
      'sha256:815eb03337a30870d7d131b63b8a7392d3a8ddeee49e9955bb09a447d87e3d4d',
    );
    expect(hashBootstrapConfig(config as unknown as FluxConfig)).toBe('049779f167806247');
  });
});
