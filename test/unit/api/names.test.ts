import { describe, expect, it } from 'vitest';
import {
  validateDns1123Label,
  validateDns1123Subdomain,
  validateFluxDuration,
} from '../../../src/api/names.js';

describe('name rules', () => {
  it.each(['a', 'flux-system', '123-abc', 'a'.repeat(63)])('accepts the label %s', (name) => {
    expect(validateDns1123Label(name)).toEqual([]);
  });
  it.each(['', 'A', 'a.b', '-a', 'a-', 'a_b', 'a'.repeat(64)])('rejects the label %j', (name) => {
    expect(validateDns1123Label(name).length).toBeGreaterThan(0);
  });
  it.each(['a', 'example.com', 'flux-system', `${'a'.repeat(63)}.${'b'.repeat(63)}`])(
    'accepts the subdomain %s',
    (name) => {
      expect(validateDns1123Subdomain(name)).toEqual([]);
    },
  );
  it.each(['', 'Example', 'a..b', 'invalid-name-', '.a', 'a'.repeat(254)])(
    'rejects the subdomain %j',
    (name) => {
      expect(validateDns1123Subdomain(name).length).toBeGreaterThan(0);
    },
  );
  it('uses the Kubernetes messages', () => {
    expect(validateDns1123Label('a'.repeat(64))).toContain('must be no more than 63 characters');
    expect(validateDns1123Subdomain('A')[0]).toMatch(/^a lowercase RFC 1123 subdomain must consist of/);
  });
});

describe('validateFluxDuration', () => {
  it.each(['1m', '90s', '1h30m', '1.5h', '500ms', '1h0m0s'])('accepts %s', (value) => {
    expect(validateFluxDuration(value)).toEqual([]);
  });
  it.each(['', '1', '1d', '-1m', '1 m', 'm', '1.m'])('rejects %j', (value) => {
    expect(validateFluxDuration(value)).toHaveLength(1);
  });
});
