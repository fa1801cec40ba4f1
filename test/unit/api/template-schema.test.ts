import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import type { FieldError } from '../../../src/api/field-errors.js';
import {
  compileTemplateSchema,
  pruneUndeclaredFields,
  templateSchemaKey,
  translateCrdSchema,
  validateTemplateSchema,
  type TemplateSchemas,
} from '../../../src/api/template-schema.js';
import { FieldPath } from '../../../src/api/field-errors.js';
import { buildTemplateSchemas } from '../../../src/flux/crd-schemas.js';
import { readReleaseBundle } from '../flux/install/release-bundle.js';

// The real CRDs of the Flux release the tests install (found by the harness, never in the repo).
const templateSchemas = buildTemplateSchemas(readReleaseBundle());

type Spec = Record<string, unknown>;

/** A valid Git providerConfig whose source and Kustomization templates `change` alters. */
function gitConfig(change: (source: Spec, kustomization: Spec) => void = () => undefined) {
  const source: Spec = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    spec: { url: 'https://github.com/org/repo', ref: { branch: 'main' } },
  };
  const kustomization: Spec = { spec: { path: 'clusters/production' } };
  change(source, kustomization);
  return {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    source: { template: source },
    kustomization: { template: kustomization },
  };
}

const spec = (template: Spec) => template.spec as Spec;
const evaluate = (raw: unknown) => evaluateFluxConfig(raw, { templateSchemas });
const shapeOf = (errors: FieldError[]) => errors.map(({ type, field }) => ({ type, field }));

describe('templates checked against the Flux CRDs of the bundle', () => {
  it('finds the served GitRepository, OCIRepository and Kustomization versions in the bundle', () => {
    expect(Object.keys(templateSchemas.schemas).sort()).toEqual([
      'kustomize.toolkit.fluxcd.io/v1, Kind=Kustomization',
      'source.toolkit.fluxcd.io/v1, Kind=GitRepository',
      'source.toolkit.fluxcd.io/v1, Kind=OCIRepository',
    ]);
    expect(templateSchemas.origin).toBe('Flux v2.9.2');
  });

  it('accepts the valid templates without findings', () => {
    const result = evaluate(
      gitConfig((source, kustomization) => {
        Object.assign(spec(source), { timeout: '90s', ignore: '/docs', recurseSubmodules: true });
        Object.assign(spec(kustomization), { prune: true, wait: true, timeout: '5m', force: false });
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('warns about a misplaced template.ref and names the field meant', () => {
    const result = evaluate(
      gitConfig((source) => {
        source.ref = { branch: 'main' };
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      {
        field: 'source.template.ref',
        message:
          'unknown field: the GitRepository source.toolkit.fluxcd.io/v1 CRD of Flux v2.9.2 does not declare it, so it is not applied; ' +
          'did you mean "source.template.spec.ref"?',
      },
    ]);
  });

  it('warns about a misspelled spec.intervall and suggests spec.interval', () => {
    const result = evaluate(
      gitConfig((_source, kustomization) => {
        spec(kustomization).intervall = '5m';
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]?.field).toBe('kustomization.template.spec.intervall');
    expect(result.warnings[0]?.message).toContain('did you mean "kustomization.template.spec.interval"?');
  });

  it('warns about an unknown nested field without a guess when none is close', () => {
    const result = evaluate(
      gitConfig((source) => {
        (spec(source).ref as Spec).flavour = 'x';
      }),
    );
    expect(result.warnings.map((w) => w.field)).toEqual(['source.template.spec.ref.flavour']);
    expect(result.warnings[0]?.message).not.toContain('did you mean');
  });

  it.each([
    [
      'spec.prune: "yes" (caught by our own structure check already)',
      (_s: Spec, k: Spec) => {
        spec(k).prune = 'yes';
      },
      { type: 'FieldValueInvalid', field: 'kustomization.template.spec.prune' },
    ],
    [
      'spec.interval: 5 (caught by our own structure check already)',
      (s: Spec) => {
        spec(s).interval = 5;
      },
      { type: 'FieldValueInvalid', field: 'source.template.spec.interval' },
    ],
    [
      'spec.wait: "true" on the Kustomization',
      (_s: Spec, k: Spec) => {
        spec(k).wait = 'true';
      },
      { type: 'FieldValueInvalid', field: 'kustomization.template.spec.wait' },
    ],
    [
      'spec.recurseSubmodules: 1 on the GitRepository',
      (s: Spec) => {
        spec(s).recurseSubmodules = 1;
      },
      { type: 'FieldValueInvalid', field: 'source.template.spec.recurseSubmodules' },
    ],
    [
      'spec.provider: gitlab (not in the enum)',
      (s: Spec) => {
        spec(s).provider = 'gitlab';
      },
      { type: 'FieldValueNotSupported', field: 'source.template.spec.provider' },
    ],
    [
      'spec.timeout: 1h on the GitRepository (its pattern has no hours)',
      (s: Spec) => {
        spec(s).timeout = '1h';
      },
      { type: 'FieldValueInvalid', field: 'source.template.spec.timeout' },
    ],
    [
      'spec.include[0] without the required repository',
      (s: Spec) => {
        spec(s).include = [{ fromPath: 'a' }];
      },
      { type: 'FieldValueRequired', field: 'source.template.spec.include[0].repository' },
    ],
    [
      'spec.url with a scheme the CRD does not allow',
      (s: Spec) => {
        spec(s).url = 'git://example.com/repo';
      },
      { type: 'FieldValueInvalid', field: 'source.template.spec.url' },
    ],
  ])('rejects %s at its path', (_name, change, expected) => {
    const result = evaluate(gitConfig(change));
    expect(result.config).toBeUndefined();
    expect(shapeOf(result.errors)).toEqual([expected]);
  });

  it('says which values an enum allows', () => {
    const result = evaluate(
      gitConfig((source) => {
        spec(source).provider = 'gitlab';
      }),
    );
    expect(result.errors).toEqual([
      {
        type: 'FieldValueNotSupported',
        field: 'source.template.spec.provider',
        badValue: 'gitlab',
        detail: 'supported values: "generic", "aws", "azure", "github"',
      },
    ]);
  });

  it('names the type a value must have and the pattern it must match', () => {
    const result = evaluate(
      gitConfig((source, kustomization) => {
        spec(kustomization).wait = 'true';
        spec(source).timeout = '1h';
      }),
    );
    expect(result.errors).toEqual(
      expect.arrayContaining([
        {
          type: 'FieldValueInvalid',
          field: 'kustomization.template.spec.wait',
          badValue: 'true',
          detail: 'must be a boolean',
        },
        {
          type: 'FieldValueInvalid',
          field: 'source.template.spec.timeout',
          badValue: '1h',
          detail: "must match '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$'",
        },
      ]),
    );
  });

  it('keeps our own wording where our validation already found the field wrong', () => {
    const result = evaluate(
      gitConfig((source) => {
        spec(source).interval = 'soon';
      }),
    );
    expect(shapeOf(result.errors)).toEqual([
      { type: 'FieldValueInvalid', field: 'source.template.spec.interval' },
    ]);
  });

  it('does not require what the CRD defaults or what our defaults fill in', () => {
    // Kustomization v1 requires interval, prune and sourceRef; the templates set none of them.
    const result = evaluate(gitConfig());
    expect(result.errors).toEqual([]);
    expect(result.config?.kustomization?.template.spec.prune).toBe(false);
  });

  it('checks an OCIRepository template against the OCIRepository CRD', () => {
    const result = evaluate({
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'OCIRepository',
          spec: { url: 'oci://ghcr.io/org/manifests', ref: { tag: 'latest' }, provider: 'github' },
        },
      },
      kustomization: { template: { spec: { path: './' } } },
    });
    expect(shapeOf(result.errors)).toEqual([
      { type: 'FieldValueNotSupported', field: 'source.template.spec.provider' },
    ]);
  });

  it('without schemas, checks the structure only (as before)', () => {
    const result = evaluateFluxConfig(
      gitConfig((source) => {
        spec(source).provider = 'gitlab';
        source.ref = { branch: 'main' };
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('says so when the bundle has no CRD for the written version', () => {
    const partial: TemplateSchemas = { origin: 'Flux v9.9.9', schemas: {} };
    const result = evaluateFluxConfig(gitConfig(), { templateSchemas: partial });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.field)).toEqual(['source.template', 'kustomization.template']);
    expect(result.warnings[0]?.message).toContain('not in the bundle');
  });
});

describe('translateCrdSchema', () => {
  const check = (schema: unknown, object: Record<string, unknown>) =>
    validateTemplateSchema(
      { apiVersion: 'x/v1', kind: 'X', ...object },
      { origin: 'test', schemas: { [templateSchemaKey('x/v1', 'X')]: schema } },
      FieldPath.of('t'),
    );
  const root = (spec: unknown) => ({
    type: 'object',
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, spec },
  });

  it('accepts integers and strings for x-kubernetes-int-or-string, nothing else', () => {
    const schema = root({
      type: 'object',
      properties: {
        port: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string' }],
        },
      },
    });
    expect(check(schema, { spec: { port: 80 } }).errors).toEqual([]);
    expect(check(schema, { spec: { port: 'http' } }).errors).toEqual([]);
    expect(shapeOf(check(schema, { spec: { port: true } }).errors)).toEqual([
      { type: 'FieldValueInvalid', field: 't.spec.port' },
    ]);
    expect(check(schema, { spec: { port: true } }).errors[0]?.detail).toBe('must be an integer or a string');
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields', () => {
    const schema = root({
      type: 'object',
      properties: { values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    });
    expect(check(schema, { spec: { values: { anything: { deep: 1 } } } })).toEqual({
      errors: [],
      warnings: [],
    });
    expect(check(schema, { spec: { other: 1 } }).warnings.map((w) => w.field)).toEqual(['t.spec.other']);
  });

  it('admits null where nullable', () => {
    const schema = root({
      type: 'object',
      properties: {
        a: { type: 'string', nullable: true },
        b: { type: 'string' },
        c: { type: 'string', nullable: true, enum: ['x'] },
      },
    });
    expect(check(schema, { spec: { a: null, c: null } }).errors).toEqual([]);
    expect(shapeOf(check(schema, { spec: { b: null } }).errors)).toEqual([
      { type: 'FieldValueInvalid', field: 't.spec.b' },
    ]);
  });

  it('checks map values and leaves metadata to the API server', () => {
    const schema = root({
      type: 'object',
      properties: { substitute: { type: 'object', additionalProperties: { type: 'string' } } },
    });
    const result = check(
      { ...schema, properties: { ...schema.properties, metadata: { type: 'object' } } },
      { metadata: { name: 'a', labels: { x: 'y' } }, spec: { substitute: { a: 'b', c: 3 } } },
    );
    expect(shapeOf(result.errors)).toEqual([{ type: 'FieldValueInvalid', field: 't.spec.substitute.c' }]);
    expect(result.warnings).toEqual([]);
  });

  it('drops defaulted fields from required and translates OpenAPI exclusive bounds', () => {
    expect(
      translateCrdSchema({
        type: 'object',
        required: ['a', 'b'],
        properties: {
          a: { type: 'string', default: 'x' },
          b: { type: 'integer', minimum: 0, exclusiveMinimum: true, format: 'int64' },
        },
      }),
    ).toEqual({
      type: 'object',
      required: ['b'],
      additionalProperties: false,
      properties: { a: { type: 'string' }, b: { type: 'integer', exclusiveMinimum: 0 } },
    });
  });

  it('compiles each schema once', () => {
    const schema = templateSchemas.schemas[
      templateSchemaKey('source.toolkit.fluxcd.io/v1', 'GitRepository')
    ] as Record<string, unknown>;
    const first = compileTemplateSchema(schema);
    expect(first).not.toBeInstanceOf(Error);
    expect(compileTemplateSchema(schema)).toBe(first);
    // and the bundle's schemas are built once per bundle object, so they stay the memo's keys
    const bundle = readReleaseBundle();
    expect(buildTemplateSchemas(bundle)).toBe(buildTemplateSchemas(bundle));
  });
});

describe('pruneUndeclaredFields', () => {
  it('drops the misplaced and misspelled fields the schema check warns about, and nothing else', () => {
    const raw = gitConfig((source, kustomization) => {
      source.ref = { branch: 'main' };
      spec(kustomization).intervall = '5m';
      spec(kustomization).postBuild = { substitute: { CLUSTER: 'a' }, substitutFrom: [] };
    });
    const { config, warnings } = evaluate(raw);
    expect(warnings.map((w) => w.field).sort()).toEqual([
      'kustomization.template.spec.intervall',
      'kustomization.template.spec.postBuild.substitutFrom',
      'source.template.ref',
    ]);
    if (!config?.source || !config.kustomization) throw new Error('the config is valid');
    const source = pruneUndeclaredFields(config.source.template, templateSchemas);
    expect(source).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: config.source.template.metadata,
      spec: config.source.template.spec,
    });
    const kustomization = pruneUndeclaredFields(config.kustomization.template, templateSchemas);
    expect(kustomization.spec).not.toHaveProperty('intervall');
    // A map's keys are data, not fields: substitute's entries stay.
    expect(kustomization.spec.postBuild).toEqual({ substitute: { CLUSTER: 'a' } });
    expect(kustomization.metadata).toEqual(config.kustomization.template.metadata);
    // The evaluated config, and what the bootstrap hash is computed from, are left as written.
    expect(config.source.template).toHaveProperty('ref');
    expect(config.kustomization.template.spec).toHaveProperty('intervall', '5m');
    // Pruned, the objects are clean: the schema check has nothing left to say.
    expect(validateTemplateSchema(kustomization, templateSchemas, FieldPath.of('k'))).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it('keeps fields under x-kubernetes-preserve-unknown-fields, and everything without a schema', () => {
    const schemas: TemplateSchemas = {
      origin: 'test',
      schemas: {
        [templateSchemaKey('x/v1', 'X')]: {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            spec: {
              type: 'object',
              properties: { values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          },
        },
      },
    };
    const object = { apiVersion: 'x/v1', kind: 'X', spec: { values: { any: { deep: 1 } }, other: 1 } };
    expect(pruneUndeclaredFields(object, schemas)).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      spec: { values: { any: { deep: 1 } } },
    });
    const unknownKind = { apiVersion: 'y/v1', kind: 'Y', spec: { other: 1 } };
    expect(pruneUndeclaredFields(unknownKind, schemas)).toEqual(unknownKind);
  });
});

describe('compileTemplateSchema', () => {
  it('holds a validator no longer than its schema object (a bundle evicted and loaded again adds nothing for good)', async () => {
    // A full GC on demand: the flag gives a new context the `gc` function.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const compiledFor = (): WeakRef<object> => {
      const schema = { type: 'object', properties: { spec: { type: 'object' } } };
      const validate = compileTemplateSchema(schema);
      if (validate instanceof Error) throw validate;
      expect(validate({ spec: {} })).toBe(true);
      return new WeakRef(validate);
    };
    const validator = compiledFor();
    // A WeakRef's target lives at least until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(validator.deref()).toBeUndefined();
  });
});
