import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/log/redact-url.js';

describe('redactUrl', () => {
  it.each([
    [
      'user and password',
      'https://user:s3cret@git.example.com/org/repo',
      'https://***@git.example.com/org/repo',
    ],
    ['password with @ (userinfo ends at the last @)', 'ftp://u:p@ss@host/x', 'ftp://***@host/x'],
    ['token as user name', 'https://ghp_abc123@github.com/org/repo', 'https://***@github.com/org/repo'],
    ['password with an unescaped slash', 'https://u:pa/ss@host/repo', 'https://***@host/repo'],
    ['without a scheme', 'user:token@host', '***@host'],
    ['without a scheme, password with @', 'user:to@ken@host/path', '***@host/path'],
    ['without a scheme, after a key', 'url=user:token@host', 'url=***@host'],
    ['query token', 'https://host/path?token=abc&x=1', 'https://host/path?token=***&x=1'],
    [
      'query signature',
      'https://s3/obj?X-Amz-Signature=ff&X-Amz-Credential=k',
      'https://s3/obj?X-Amz-Signature=***&X-Amz-Credential=***',
    ],
    ['query password after others', 'https://h/?a=1&password=p', 'https://h/?a=1&password=***'],
    ['inside a sentence', 'GET https://a:b@h/x failed', 'GET https://***@h/x failed'],
    ['inside JSON quotes', '{"url":"https://a:b@h/x"}', '{"url":"https://***@h/x"}'],
    ['two URLs in one word', 'https://a:b@h,https://c:d@i', 'https://***@h,https://***@i'],
  ])('masks %s', (_name, input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it.each([
    ['a URL without credentials', 'https://git.example.com/org/repo.git'],
    ['a port', 'https://host:6443/api'],
    ['an scp-like git address', 'git@github.com:org/repo.git'],
    ['an image with a digest', 'ghcr.io/fluxcd/source-controller:v1.9.3@sha256:0123abcd'],
    ['a short image with a digest', 'nginx:1.25@sha256:0123abcd'],
    ['an @ in the path', 'https://registry.example.com/@scope/pkg'],
    ['an IPv6 host', 'https://[::1]:8443/x'],
    ['an e-mail address', 'mail admin@example.com'],
    ['plain query parameters', 'https://host/?ref=main&depth=1'],
    ['text without URLs', 'key: value'],
  ])('leaves %s', (_name, input) => {
    expect(redactUrl(input)).toBe(input);
  });

  it('stays linear on long hostile input', () => {
    // Each would be quadratic for a naive backtracking pattern.
    const inputs = [
      'a://'.repeat(50_000),
      `${'u:'.repeat(50_000)}@`,
      `x:${'@'.repeat(100_000)}`,
      `?${'a&'.repeat(50_000)}`,
    ];
    for (const input of inputs) expect(redactUrl(input).length).toBeGreaterThan(0);
  });
});
