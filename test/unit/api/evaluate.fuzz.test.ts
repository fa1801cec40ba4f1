import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig, type FluxConfigEvaluation } from '../../../src/api/evaluate.js';
import { FieldErrorType, formatFieldErrors } from '../../../src/api/field-errors.js';
import type { NamedResourceReference } from '../../../src/api/types.js';
import { fuzzParameters } from '../../fuzz/parameters.js';

const errorTypes: readonly string[] = Object.values(FieldErrorType);

/** Keys that break naive object handling (prototype pollution, inherited names, paths). */
const weirdKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  '.',
  '..',
  'a.b',
  '[0]',
  '/',
  '~1',
  '\u0000',
  '\u202e',
);
const key = fc.oneof(fc.string({ maxLength: 12 }), weirdKey);

/** Strings that stress name rules and regular expressions. */
const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('..', '.', '/', '%2e%2e', 'kube-system', 'default', 'Bad_Name', 'a/../b', '-', ''),
  fc.integer({ min: 0, max: 200_000 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 0, max: 50_000 }).map((n) => `${'1m'.repeat(n)}x`),
  fc.integer({ min: 0, max: 50_000 }).map((n) => `${'a.'.repeat(n)}-`),
);

/** Any JSON value, weird keys included. Parsing the text gives `__proto__` as an own key, as the API server's JSON does. */
const json = fc
  .jsonValue({ maxDepth: 6 })
  .chain((base) =>
    fc.tuple(fc.constant(base), fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })),
  )
  .map(([base, extra]) =>
    typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...base, ...extra } : base,
  )
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown);

const scalarOrJson = fc.oneof(weirdString, json, fc.constant(null), fc.integer(), fc.boolean());

/** `levels` levels of objects or lists around `leaf`, built without recursion. */
function nest(levels: number, asList: boolean, name: string, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = asList ? [value] : { [name]: value };
  return value;
}
const deep = fc
  .tuple(fc.integer({ min: 0, max: 3000 }), fc.boolean(), key, scalarOrJson)
  .map(([levels, asList, name, leaf]) => nest(levels, asList, name, leaf));

/** A providerConfig shaped like a real one, each field possibly replaced by anything. */
const almostValid = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('flux.extensions.gardener.cloud/v1alpha1'), scalarOrJson),
    kind: fc.oneof(fc.constant('FluxConfig'), scalarOrJson),
    flux: fc.oneof(
      fc.record(
        {
          version: fc.oneof(fc.constant('v2.9.2'), weirdString),
          namespace: fc.oneof(fc.constant('flux-system'), weirdString),
          registry: weirdString,
          components: fc.oneof(fc.array(weirdString, { maxLength: 4 }), scalarOrJson),
        },
        { requiredKeys: [] },
      ),
      scalarOrJson,
    ),
    source: fc.oneof(
      fc.record(
        {
          template: fc.oneof(
            fc.record(
              {
                apiVersion: fc.constantFrom(
                  'source.toolkit.fluxcd.io/v1',
                  'source.toolkit.fluxcd.io/v1beta2',
                ),
                kind: fc.constantFrom('GitRepository', 'OCIRepository', 'Bucket'),
                metadata: fc.record({ name: weirdString, namespace: weirdString }, { requiredKeys: [] }),
                spec: fc.record(
                  {
                    url: fc.oneof(fc.constant('https://git.example.com/r.git'), weirdString),
                    ref: fc.oneof(
                      fc.record({ branch: weirdString, tag: weirdString }, { requiredKeys: [] }),
                      deep,
                    ),
                    interval: weirdString,
                    secretRef: fc.oneof(fc.record({ name: weirdString }), scalarOrJson),
                    extra: deep,
                  },
                  { requiredKeys: [] },
                ),
              },
              { requiredKeys: [] },
            ),
            scalarOrJson,
          ),
          secretResourceName: weirdString,
        },
        { requiredKeys: [] },
      ),
      scalarOrJson,
    ),
    kustomization: fc.oneof(
      fc.record(
        {
          template: fc.record(
            {
              metadata: fc.record({ name: weirdString, namespace: weirdString }, { requiredKeys: [] }),
              spec: fc.record(
                { path: weirdString, sourceRef: scalarOrJson, extra: deep },
                { requiredKeys: [] },
              ),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      scalarOrJson,
    ),
    additionalSecretResources: fc.oneof(
      fc.array(fc.record({ name: weirdString, targetName: weirdString }, { requiredKeys: [] }), {
        maxLength: 4,
      }),
      scalarOrJson,
    ),
  },
  { requiredKeys: [] },
);

/** Names: mostly valid ones, with reserved namespaces and path-like names among them. */
const candidateName = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/), weight: 14 },
  {
    arbitrary: fc.constantFrom(
      'flux-system',
      'apps',
      'kube-system',
      'kube-x',
      'default',
      'kubernetes-dashboard',
    ),
    weight: 2,
  },
  { arbitrary: weirdString, weight: 1 },
);

/** A valid config in which only names and namespaces vary. */
const namedConfig = fc
  .record({
    fluxNamespace: candidateName,
    sourceName: candidateName,
    sourceNamespace: candidateName,
    secretRefName: candidateName,
    kustomizationName: candidateName,
    kustomizationNamespace: candidateName,
    targetName: candidateName,
  })
  .map((n) => ({
    flux: { namespace: n.fluxNamespace },
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: n.sourceName, namespace: n.sourceNamespace },
        spec: {
          url: 'https://git.example.com/r.git',
          ref: { branch: 'main' },
          secretRef: { name: n.secretRefName },
        },
      },
      secretResourceName: 'git',
    },
    kustomization: {
      template: {
        metadata: { name: n.kustomizationName, namespace: n.kustomizationNamespace },
        spec: { path: './' },
      },
    },
    additionalSecretResources: [{ name: 'git', targetName: n.targetName }],
  }));

const shootResources: NamedResourceReference[] = [
  { name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-auth' } },
  { name: '..', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: '..' } },
];

/** What every evaluation must satisfy, whatever the input. */
function checkEvaluation(result: FluxConfigEvaluation): void {
  expect(result.config === undefined).toBe(result.errors.length > 0);
  for (const error of result.errors) {
    expect(errorTypes).toContain(error.type);
    expect(typeof error.field).toBe('string');
    expect(typeof error.detail).toBe('string');
  }
  for (const warning of result.warnings) {
    expect(typeof warning.field).toBe('string');
    expect(typeof warning.message).toBe('string');
  }
  // Rendering the errors never throws either (bad values of any shape).
  expect(typeof formatFieldErrors(result.errors)).toBe('string');
  // Nothing was polluted through a `__proto__` key.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('name');
}

describe('evaluateFluxConfig on hostile input', () => {
  it('never throws on arbitrary JSON, and every error has a type and a path', () => {
    fc.assert(
      fc.property(fc.oneof(json, deep), fc.boolean(), (raw, withShoot) => {
        checkEvaluation(evaluateFluxConfig(raw, withShoot ? { shootResources } : {}));
      }),
      fuzzParameters(),
    );
  });

  it('never throws on configs shaped like real ones with any field replaced', () => {
    fc.assert(
      fc.property(almostValid, fc.boolean(), (raw, withShoot) => {
        checkEvaluation(evaluateFluxConfig(raw, withShoot ? { shootResources } : {}));
      }),
      fuzzParameters(),
    );
  });

  it('accepts a config only with request-safe names and namespaces of its own', () => {
    fc.assert(
      fc.property(fc.oneof(namedConfig, almostValid), (raw) => {
        const { config } = evaluateFluxConfig(raw, { shootResources });
        if (!config) return;
        const source = config.source?.template;
        const kustomization = config.kustomization?.template;
        const names = [
          source?.metadata.name,
          source?.spec.secretRef?.name,
          kustomization?.metadata.name,
          ...config.additionalSecretResources.map((entry) => entry.targetName),
        ].filter((name): name is string => typeof name === 'string' && name !== '');
        for (const name of names) expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
        const namespaces = [
          config.flux.namespace,
          source?.metadata.namespace,
          kustomization?.metadata.namespace,
        ];
        for (const namespace of namespaces.filter((ns) => ns !== undefined)) {
          expect(namespace).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
          expect(namespace.startsWith('kube-')).toBe(false);
          expect(['default', 'kubernetes-dashboard']).not.toContain(namespace);
        }
      }),
      fuzzParameters(),
    );
  });
});
