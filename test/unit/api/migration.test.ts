import { describe, expect, it } from 'vitest';
import { buildSourceTemplateMigration } from '../../../src/api/migration.js';

const v1 = 'source.toolkit.fluxcd.io/v1';
const v1beta2 = 'source.toolkit.fluxcd.io/v1beta2';

describe('buildSourceTemplateMigration', () => {
  it.each([
    ['no providerConfig', undefined, undefined],
    ['no source', { flux: {} }, undefined],
    ['a template that is not an object', { source: { template: 'x' } }, undefined],
    ['a legacy template', { source: { template: { spec: {} } } }, { apiVersion: v1, kind: 'GitRepository' }],
    [
      'a current GitRepository',
      { source: { template: { apiVersion: v1, kind: 'GitRepository' } } },
      undefined,
    ],
    [
      'a v1beta2 OCIRepository for the default Flux',
      { source: { template: { apiVersion: v1beta2, kind: 'OCIRepository' } } },
      { apiVersion: v1 },
    ],
    [
      'a v1 OCIRepository for Flux v2.5.1',
      { flux: { version: 'v2.5.1' }, source: { template: { apiVersion: v1, kind: 'OCIRepository' } } },
      { apiVersion: v1beta2 },
    ],
    [
      'a v1 OCIRepository for the default Flux',
      { source: { template: { apiVersion: v1, kind: 'OCIRepository' } } },
      undefined,
    ],
    [
      'an OCIRepository for an invalid Flux version',
      { flux: { version: 'latest' }, source: { template: { apiVersion: v1beta2, kind: 'OCIRepository' } } },
      undefined,
    ],
    [
      'an unsupported OCIRepository version',
      { source: { template: { apiVersion: 'x/v1', kind: 'OCIRepository' } } },
      undefined,
    ],
    ['a template with kind only', { source: { template: { kind: 'GitRepository' } } }, undefined],
    // Kubernetes reads "" and null as unset: these are legacy templates, as validate says.
    [
      'an empty apiVersion',
      { source: { template: { apiVersion: '', spec: {} } } },
      { apiVersion: v1, kind: 'GitRepository' },
    ],
    [
      'an empty kind',
      { source: { template: { kind: '', spec: {} } } },
      { apiVersion: v1, kind: 'GitRepository' },
    ],
    [
      'a null kind',
      { source: { template: { kind: null, spec: {} } } },
      { apiVersion: v1, kind: 'GitRepository' },
    ],
    [
      'an empty apiVersion with a kind',
      { source: { template: { apiVersion: '', kind: 'GitRepository' } } },
      undefined,
    ],
  ])('%s', (_, raw, expected) => {
    expect(buildSourceTemplateMigration(raw)).toEqual(expected);
  });
});
