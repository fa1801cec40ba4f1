import { describe, expect, it } from 'vitest';
import {
  FieldPath,
  duplicate,
  forbidden,
  formatFieldError,
  formatFieldErrors,
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
