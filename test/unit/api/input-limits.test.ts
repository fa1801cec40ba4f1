import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import { formatFieldErrors } from '../../../src/api/field-errors.js';
import { maxProviderConfigDepth, maxProviderConfigValues } from '../../../src/api/input-limits.js';

/** `{ key: { key: … leaf } }`, `levels` objects deep, built without recursion. */
function nested(levels: number, key = 'x', leaf: unknown = 'v'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { [key]: value };
  return value;
}

/** A valid config whose Kustomization template carries `extra` under `spec.extra`. */
function kustomizationWith(extra: unknown) {
  return {
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' } },
      },
    },
    kustomization: { template: { spec: { path: './', extra } } },
  };
}

const I = 'FieldValueInvalid';

describe('providerConfig depth and size limits', () => {
  it.each([
    ['2000 levels at the root', nested(2000), 'x'],
    ['2000 levels inside a template', kustomizationWith(nested(2000)), 'kustomization'],
    [
      '200000 levels of lists',
      (() => {
        let value: unknown = 1;
        for (let i = 0; i < 200_000; i++) value = [value];
        return value;
      })(),
      '',
    ],
  ])('refuses %s with an Invalid value, no exception', (_name, raw, pathStart) => {
    const { errors, config } = evaluateFluxConfig(raw);
    expect(config).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.type).toBe(I);
    expect(errors[0]?.field.startsWith(pathStart)).toBe(true);
    expect(errors[0]?.detail).toBe(`nested deeper than ${maxProviderConfigDepth} levels`);
    expect(errors[0]).not.toHaveProperty('badValue');
  });

  it('names the path of the object that nests too deep', () => {
    const { errors } = evaluateFluxConfig(kustomizationWith(nested(200)));
    // root(0) kustomization(1) template(2) spec(3) extra(4): 96 more `x` reach depth 100.
    expect(errors[0]?.field).toBe(`kustomization.template.spec.extra${'.x'.repeat(96)}`);
    expect(formatFieldErrors(errors)).toMatch(/: Invalid value: nested deeper than 100 levels$/);
  });

  it('accepts nesting up to the limit', () => {
    // The template may hold the deepest structure a real config has, and much more.
    const { errors } = evaluateFluxConfig(kustomizationWith(nested(maxProviderConfigDepth - 6)));
    expect(errors).toEqual([]);
  });

  it('refuses more values than the limit, before walking them', () => {
    const { errors } = evaluateFluxConfig(
      kustomizationWith(new Array<number>(maxProviderConfigValues).fill(0)),
    );
    expect(errors.map((e) => [e.type, e.field])).toEqual([[I, '']]);
    expect(errors[0]?.detail).toContain(`more than ${maxProviderConfigValues} values`);
    const sparse = evaluateFluxConfig(kustomizationWith(new Array(2 ** 31)));
    expect(sparse.errors.map((e) => [e.type, e.field])).toEqual([[I, '']]);
  });

  it('walks a shared subtree (YAML aliases) no more often than the value limit allows', () => {
    // 40 levels of two references to the same object stand for 2^40 values.
    let shared: unknown = { leaf: 1 };
    for (let i = 0; i < 40; i++) shared = { a: shared, b: shared };
    const { errors } = evaluateFluxConfig(kustomizationWith(shared));
    expect(errors.map((e) => [e.type, e.field])).toEqual([[I, '']]);
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a big integer', 10n],
  ])('refuses %s, which JSON cannot carry', (_name, value) => {
    const { errors } = evaluateFluxConfig(kustomizationWith(value));
    expect(errors.map((e) => [e.type, e.field])).toEqual([[I, 'kustomization.template.spec.extra']]);
  });
});
