import { describe, expect, it } from 'vitest';
import {
  FieldErrorType,
  FieldPath,
  boundBadValue,
  duplicate,
  forbidden,
  formatFieldError,
  formatFieldErrors,
  formatFieldWarnings,
  invalid,
  notSupported,
  prefixFieldPath,
  required,
} from '../../../src/api/field-errors.js';

describe('FieldPath', () => {
  it('builds paths like apimachinery with a nil root', () => {
    const root = FieldPath.root();
    expect(root.child('source', 'template').child('spec').child('url').toString()).toBe(
      'source.template.spec.url',
    );
    expect(root.child('additionalSecretResources').index(1).child('targetName').toString()).toBe(
      'additionalSecretResources[1].targetName',
    );
    expect(FieldPath.of('spec.providerConfig').child('flux').toString()).toBe('spec.providerConfig.flux');
  });

  it('prefixes paths found in an embedding object', () => {
    expect(prefixFieldPath('flux.version', 'spec.providerConfig')).toBe('spec.providerConfig.flux.version');
    expect(prefixFieldPath('', 'spec.extensions[0].providerConfig')).toBe(
      'spec.extensions[0].providerConfig',
    );
    expect(prefixFieldPath('flux', '')).toBe('flux');
  });
});

describe('formatFieldError', () => {
  const path = FieldPath.root().child('source', 'template', 'spec', 'url');
  it.each([
    [
      required(path, 'GitRepository must have a URL'),
      'source.template.spec.url: Required value: GitRepository must have a URL',
    ],
    [
      invalid(path, 'git@host:org/repo', 'must be an http://, https:// or ssh:// URL'),
      'source.template.spec.url: Invalid value: "git@host:org/repo": must be an http://, https:// or ssh:// URL',
    ],
    [
      invalid(FieldPath.root().child('source'), null, 'must specify a source'),
      'source: Invalid value: null: must specify a source',
    ],
    [invalid(path, { tag: '' }, 'x'), 'source.template.spec.url: Invalid value: {"tag":""}: x'],
    [
      notSupported(path, 'Bucket', ['GitRepository', 'OCIRepository']),
      'source.template.spec.url: Unsupported value: "Bucket": supported values: "GitRepository", "OCIRepository"',
    ],
    [forbidden(path, 'may not be set'), 'source.template.spec.url: Forbidden: may not be set'],
    [duplicate(path, 'x'), 'source.template.spec.url: Duplicate value: "x"'],
  ])('formats %j', (error, text) => {
    expect(formatFieldError(error)).toBe(text);
  });

  it('omits an absent bad value', () => {
    const error = invalid(path, undefined, 'must be an object');
    delete error.badValue;
    expect(formatFieldError(error)).toBe('source.template.spec.url: Invalid value: must be an object');
  });
});

describe('formatFieldErrors', () => {
  it('aggregates like apimachinery: one message alone, several in brackets', () => {
    const a = required(FieldPath.root().child('a'), 'x');
    const b = required(FieldPath.root().child('b'), 'y');
    expect(formatFieldErrors([a])).toBe('a: Required value: x');
    expect(formatFieldErrors([a, b])).toBe('[a: Required value: x, b: Required value: y]');
    expect(formatFieldErrors([])).toBe('');
  });
});

describe('boundBadValue', () => {
  const huge = 'n'.repeat(700 * 1024);
  it.each([
    ['a short string', 'main', 'main'],
    ['a number', 42, 42],
    ['null', null, null],
    ['a small structure', { tag: '' }, { tag: '' }],
    ['a URL with credentials', 'ftp://u:p@ss@host/r', 'ftp://***@host/r'],
    ['user:token@host', 'user:token@host', '***@host'],
    ['a structure holding a credential', { url: 'https://u:t0ken@h' }, '{"url":"https://***@h"}'],
  ])('%s', (_name, value, expected) => {
    expect(boundBadValue(value)).toEqual(expected);
  });

  it('bounds a 700 KiB string and a 700 KiB structure to 512 bytes', () => {
    for (const value of [huge, { name: huge }, [huge]]) {
      const bounded = boundBadValue(value);
      expect(typeof bounded).toBe('string');
      expect(Buffer.byteLength(bounded as string)).toBeLessThanOrEqual(512);
      expect(bounded).toContain('(truncated,');
    }
  });

  it('copes with cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(boundBadValue(cyclic)).toBe('<unprintable value>');
  });
});

describe('formatFieldError bounds', () => {
  it('bounds value, detail and path of errors built by hand too', () => {
    const huge = 'x'.repeat(700 * 1024);
    const text = formatFieldError({
      type: FieldErrorType.Invalid,
      field: huge,
      badValue: huge,
      detail: huge,
    });
    expect(Buffer.byteLength(text)).toBeLessThan(3 * 1024);
    expect(text).toContain('Invalid value');
  });

  it('never prints URL credentials of a bad value, even one built by hand', () => {
    const text = formatFieldError({
      type: FieldErrorType.Invalid,
      field: 'source.template.spec.url',
      badValue: 'ftp://u:p@ss@host',
      detail: 'must be an http://, https:// or ssh:// URL',
    });
    expect(text).toBe(
      'source.template.spec.url: Invalid value: "ftp://***@host": must be an http://, https:// or ssh:// URL',
    );
  });
});

describe('formatFieldWarnings', () => {
  const warning = (i: number) => ({ field: `spec.unknown${i}`, message: 'unknown field, ignored' });
  it.each([
    [[warning(1)], '1 warning: spec.unknown1: unknown field, ignored'],
    [
      [warning(1), warning(2)],
      '2 warnings: spec.unknown1: unknown field, ignored; spec.unknown2: unknown field, ignored',
    ],
  ])('summarises %j', (warnings, text) => {
    expect(formatFieldWarnings(warnings, 1024)).toBe(text);
  });

  it('keeps 3000 warnings to one bounded line that counts the rest', () => {
    const warnings = Array.from({ length: 3000 }, (_, i) => warning(i));
    const text = formatFieldWarnings(warnings, 1024);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text).toMatch(/^3000 warnings: spec\.unknown0: unknown field, ignored; .*; and \d+ more$/);
  });

  it('bounds one huge warning', () => {
    const text = formatFieldWarnings(
      [{ field: 'x'.repeat(100_000), message: 'unknown field, ignored' }],
      1024,
    );
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
  });
});
