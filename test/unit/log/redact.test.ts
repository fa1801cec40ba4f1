import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { redact, redactText, redacted } from '../../../src/log/redact.js';
import { createLogger } from '../../../src/log/winston-logger.js';

describe('redact', () => {
  it.each([
    ['secret data', { kind: 'Secret', data: { password: 'aGVsbG8=' } }, { kind: 'Secret', data: redacted }],
    ['stringData', { stringData: { a: 'b' } }, { stringData: redacted }],
    [
      'nested token',
      { user: { token: 't0ken', name: 'admin' } },
      { user: { token: redacted, name: 'admin' } },
    ],
    ['kubeconfig key', { kubeconfig: 'apiVersion: v1' }, { kubeconfig: redacted }],
    [
      'authorization header',
      { headers: { Authorization: 'Bearer x' } },
      { headers: { Authorization: redacted } },
    ],
    ['arrays', [{ password: 'p' }, 'plain'], [{ password: redacted }, 'plain']],
    ['scalars', 'text', 'text'],
  ])('%s', (_name, input, expected) => {
    expect(redact(input)).toEqual(expected);
  });
});

describe('redactText', () => {
  it.each([
    ['a bearer header', 'Authorization: Bearer abc.def', `Authorization: Bearer ${redacted}`],
    ['a basic header', 'basic dXNlcjpwdw==', `basic ${redacted}`],
    [
      "Node's illegal header message, line breaks and injected header included",
      'Bearer abc\r\nX-Evil: 1 is not a legal HTTP header value',
      `Bearer ${redacted} is not a legal HTTP header value`,
    ],
    ['a JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln here', `token ${redacted} here`],
    ['URL credentials', 'clone https://u:p@h/r failed', 'clone https://***@h/r failed'],
    ['plain text', 'the object has been modified', 'the object has been modified'],
  ])('%s', (_name, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

describe('redact of values', () => {
  it('writes errors with name, redacted message and stack, and their cause', () => {
    const err = new TypeError('Bearer s3cr3t\n is not a legal HTTP header value', {
      cause: new Error('see https://u:pw@h'),
    });
    const logged = redact({ error: err }) as { error: Record<string, unknown> };
    expect(logged.error).toMatchObject({
      name: 'TypeError',
      message: `Bearer ${redacted} is not a legal HTTP header value`,
      cause: { name: 'Error', message: 'see https://***@h' },
    });
    expect(logged.error.stack).toContain('TypeError');
    expect(JSON.stringify(logged)).not.toMatch(/s3cr3t|pw@/);
  });

  it('bounds long strings, long lists and deep nesting', () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 20; i += 1) {
      const next: Record<string, unknown> = { token: 'x' };
      cursor.child = next;
      cursor = next;
    }
    const logged = redact({
      text: 'x'.repeat(100_000),
      list: Array.from({ length: 3000 }, (_, i) => i),
      deep,
    });
    const json = JSON.stringify(logged);
    expect(json.length).toBeLessThan(10_000);
    expect(json).toContain('(truncated, 100000 bytes)');
    expect(json).toContain('… (2950 more)');
    expect(json).toContain('[too deep]');
  });
});

describe('createLogger', () => {
  function capture(): { stream: Writable; text: () => string; lines: () => Record<string, unknown>[] } {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    return {
      stream,
      text: () => text,
      lines: () =>
        text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it('writes one JSON line per event with logger name, static msg and redacted fields', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json', name: 'shoot-flux', stream: out.stream });
    log
      .named('controller')
      .child({ reconcileID: 'r-1' })
      .info('Synced secret', { secret: { name: 'a', data: { key: 'c2VjcmV0' } } });
    log.debug('Not written at info');
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      logger: 'shoot-flux.controller',
      msg: 'Synced secret',
      reconcileID: 'r-1',
      secret: { name: 'a', data: redacted },
    });
    expect(typeof line?.ts).toBe('string');
  });

  it('never writes a token-shaped string, in text or JSON format', () => {
    for (const format of ['json', 'text'] as const) {
      const out = capture();
      const log = createLogger({ level: 'info', format, name: 'shoot-flux', stream: out.stream });
      log.error('Reconciler error', {
        error: 'get x: Bearer abc\r\nX-Evil: 1 is not a legal HTTP header value',
        url: 'ftp://u:p@ss@host',
        err: new Error('user:tok3n@host'),
      });
      expect(out.text()).toContain('Reconciler error');
      expect(out.text()).not.toMatch(/X-Evil|p@ss|tok3n/);
    }
  });
});
