import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import { FieldPath, formatFieldError } from '../../../src/api/field-errors.js';
import { validateEffectiveFluxInstall } from '../../../src/api/flux-install-options.js';
import { decodeSelector, matchesSelector } from '../../../src/api/install-patch.js';

const resources = [
  { name: 'registry-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'regcred' } },
  { name: 'a-configmap', resourceRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' } },
];

function errorsOf(flux: Record<string, unknown>, landscape = {}) {
  return evaluateFluxConfig({ flux }, { shootResources: resources, landscape }).errors.map((e) => ({
    type: e.type,
    field: e.field,
  }));
}

describe('flux install options in the providerConfig', () => {
  it('accepts every option and keeps absent ones absent (the config hash stays as before)', () => {
    const evaluation = evaluateFluxConfig(
      {
        flux: {
          networkPolicy: false,
          clusterDomain: 'example.local',
          logLevel: 'debug',
          watchAllNamespaces: false,
          tolerationKeys: ['node-role.kubernetes.io/flux', 'dedicated'],
          imagePullSecret: 'registry-credentials',
          patches: [{ target: { kind: 'Deployment' }, patch: '- op: remove\n  path: /spec/replicas\n' }],
        },
      },
      { shootResources: resources },
    );
    expect(evaluation.errors).toEqual([]);
    expect(evaluateFluxConfig({}).config?.flux).toEqual({
      version: 'v2.9.2',
      registry: 'ghcr.io/fluxcd',
      namespace: 'flux-system',
    });
  });

  it.each([
    [{ logLevel: 'trace' }, 'FieldValueNotSupported', 'flux.logLevel'],
    [{ logLevel: 3 }, 'FieldValueInvalid', 'flux.logLevel'],
    [{ networkPolicy: 'no' }, 'FieldValueInvalid', 'flux.networkPolicy'],
    [{ clusterDomain: 'Not_A_Domain' }, 'FieldValueInvalid', 'flux.clusterDomain'],
    [{ tolerationKeys: ['ok', 'has "quote'] }, 'FieldValueInvalid', 'flux.tolerationKeys[1]'],
    [{ imagePullSecret: '' }, 'FieldValueRequired', 'flux.imagePullSecret'],
    [{ imagePullSecret: 'missing' }, 'FieldValueInvalid', 'flux.imagePullSecret'],
    [{ imagePullSecret: 'a-configmap' }, 'FieldValueInvalid', 'flux.imagePullSecret'],
    [{ patches: [{ patch: '' }] }, 'FieldValueRequired', 'flux.patches[0].patch'],
    [{ patches: [{ patch: 'a: [unclosed' }] }, 'FieldValueInvalid', 'flux.patches[0].patch'],
    [
      { patches: [{ patch: '- op: explode\n  path: /x\n', target: {} }] },
      'FieldValueInvalid',
      'flux.patches[0].patch',
    ],
    [{ patches: [{ patch: '- op: remove\n  path: /x\n' }] }, 'FieldValueRequired', 'flux.patches[0].target'],
    [{ patches: [{ patch: 'spec:\n  replicas: 2\n' }] }, 'FieldValueRequired', 'flux.patches[0].target'],
    [
      { patches: [{ patch: 'kind: Deployment\nmetadata:\n  name: x\n  $patch: delete\n' }] },
      'FieldValueInvalid',
      'flux.patches[0].patch',
    ],
    [
      { patches: [{ patch: 'x: 1', target: { name: '(' } }] },
      'FieldValueInvalid',
      'flux.patches[0].target.name',
    ],
    [
      { patches: [{ patch: 'x: 1', target: { labelSelector: 'a in b' } }] },
      'FieldValueInvalid',
      'flux.patches[0].target.labelSelector',
    ],
    [{ patches: [{ target: { kind: 'Deployment' } }] }, 'FieldValueRequired', 'flux.patches[0].patch'],
  ])('%j is a %s at %s', (flux, type, field) => {
    expect(errorsOf(flux)).toEqual([{ type, field }]);
  });

  it('does not echo a malformed patch text', () => {
    const [error] = evaluateFluxConfig({ flux: { patches: [{ patch: 'password: [hunter2' }] } }).errors;
    expect(error?.field).toBe('flux.patches[0].patch');
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });
});

describe('landscape defaults and enforcement', () => {
  it('fills in what the shoot left out and keeps what it set', () => {
    const landscape = {
      defaultVersion: 'v2.8.1',
      defaultRegistry: 'mirror.example/fluxcd',
      defaultComponentsExtra: ['source-watcher'],
      defaultImagePullSecret: 'registry-credentials',
    };
    const defaulted = evaluateFluxConfig({}, { shootResources: resources, landscape }).config?.flux;
    expect(defaulted).toMatchObject({
      version: 'v2.8.1',
      registry: 'mirror.example/fluxcd',
      componentsExtra: ['source-watcher'],
      imagePullSecret: 'registry-credentials',
    });
    const own = evaluateFluxConfig(
      { flux: { version: 'v2.9.2', registry: 'other.example/flux' } },
      { shootResources: [], landscape },
    ).config?.flux;
    expect(own).toMatchObject({ version: 'v2.9.2', registry: 'other.example/flux' });
    // A shoot without the pull secret entry gets none, not an error.
    expect(own?.imagePullSecret).toBeUndefined();
  });

  it('replaces another registry by the enforced one, with a warning at flux.registry', () => {
    const evaluation = evaluateFluxConfig(
      { flux: { registry: 'ghcr.io/fluxcd' } },
      { landscape: { enforceRegistry: 'mirror.example/fluxcd' } },
    );
    expect(evaluation.config?.flux.registry).toBe('mirror.example/fluxcd');
    expect(evaluation.warnings).toEqual([
      expect.objectContaining({
        field: 'flux.registry',
        message: expect.stringContaining('replaced') as string,
      }),
    ]);
    const silent = evaluateFluxConfig({}, { landscape: { enforceRegistry: 'mirror.example/fluxcd' } });
    expect(silent.config?.flux.registry).toBe('mirror.example/fluxcd');
    expect(silent.warnings).toEqual([]);
  });

  it('refuses a flux.version outside the allowed range at flux.version', () => {
    expect(errorsOf({ version: 'v2.7.0' }, { allowedVersions: '>=2.8.0 <2.10.0' })).toEqual([
      { type: 'FieldValueInvalid', field: 'flux.version' },
    ]);
    expect(errorsOf({ version: 'v2.9.2' }, { allowedVersions: '>=2.8.0 <2.10.0' })).toEqual([]);
    // The landscape's default is judged like a shoot's own value.
    expect(errorsOf({}, { defaultVersion: 'v2.7.0', allowedVersions: '>=2.8.0' })).toEqual([
      { type: 'FieldValueInvalid', field: 'flux.version' },
    ]);
  });
});

describe('label selectors', () => {
  it.each([
    ['app=a', { app: 'a' }, true],
    ['app==a', { app: 'b' }, false],
    ['app!=a', {}, true],
    ['app in (a, b),tier', { app: 'b', tier: 'x' }, true],
    ['app notin (a)', { app: 'a' }, false],
    ['!app', { app: 'a' }, false],
    ['example.com/team', { 'example.com/team': '' }, true],
  ])('%s against %j is %s', (selector, labels, expected) => {
    const requirements = decodeSelector(selector);
    if (typeof requirements === 'string') throw new Error(requirements);
    expect(matchesSelector(requirements, labels)).toBe(expected);
  });

  it('names what is not a selector', () => {
    expect(decodeSelector('app in a')).toEqual(expect.stringContaining('not a selector requirement'));
  });
});

describe('flux.registry', () => {
  // Checked with the rest of the providerConfig, before anything is installed.
  it.each([['https://ghcr.io/fluxcd'], ['ghcr.io/fluxcd '], ['GHCR.io']])(
    'rejects %j at flux.registry',
    (registry) => {
      expect(errorsOf({ registry })).toEqual([{ type: 'FieldValueInvalid', field: 'flux.registry' }]);
    },
  );

  it.each([[''], ['ghcr.io/fluxcd'], ['registry.example.com:5000/mirror/fluxcd']])(
    'accepts %j',
    (registry) => {
      expect(errorsOf({ registry })).toEqual([]);
    },
  );

  it('says what a registry must look like', () => {
    const [error] = evaluateFluxConfig({ flux: { registry: 'https://ghcr.io/fluxcd' } }).errors;
    expect(error && formatFieldError(error)).toBe(
      'flux.registry: Invalid value: "https://ghcr.io/fluxcd": must be an image repository prefix like ghcr.io/fluxcd',
    );
  });
});

describe('validateEffectiveFluxInstall', () => {
  const valid = {
    version: 'v2.9.2',
    namespace: 'flux-system',
    registry: 'ghcr.io/fluxcd',
    logLevel: 'info',
    clusterDomain: 'cluster.local',
    imagePullSecret: '',
    components: ['source-controller', 'kustomize-controller'],
  };
  const errorsOfInstall = (overrides: Partial<typeof valid>) =>
    validateEffectiveFluxInstall({ ...valid, ...overrides }, FieldPath.root().child('flux')).map((e) => ({
      type: e.type,
      field: e.field,
    }));

  it('accepts valid inputs', () => {
    expect(errorsOfInstall({})).toEqual([]);
  });

  it.each([
    [{ version: 'latest' }, 'FieldValueInvalid', 'flux.version'],
    [{ namespace: 'Flux_System' }, 'FieldValueInvalid', 'flux.namespace'],
    [{ registry: 'https://ghcr.io/fluxcd' }, 'FieldValueInvalid', 'flux.registry'],
    [{ logLevel: 'trace' }, 'FieldValueNotSupported', 'flux.logLevel'],
    [{ clusterDomain: 'Cluster_Local' }, 'FieldValueInvalid', 'flux.clusterDomain'],
    [{ imagePullSecret: 'Bad_Name' }, 'FieldValueInvalid', 'flux.imagePullSecret'],
    [{ components: [] }, 'FieldValueRequired', 'flux.components'],
    [{ components: ['source-controller', 'foo-controller'] }, 'FieldValueNotSupported', 'flux.components[1]'],
    [{ components: ['source-controller', 'source-controller'] }, 'FieldValueDuplicate', 'flux.components[1]'],
  ] as [Partial<typeof valid>, string, string][])('rejects %j as %s at %s', (overrides, type, field) => {
    expect(errorsOfInstall(overrides)).toEqual([{ type, field }]);
  });
});
