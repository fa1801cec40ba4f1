import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { redact, redacted } from '../../../src/log/redact.js';
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

describe('createLogger', () => {
  function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    return {
      stream,
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
});
