import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { decodeShootKubeconfig } from '../../../src/gardener/shoot-access.js';
import { fuzzParameters } from '../../fuzz/parameters.js';

/** A secret no message could contain by chance. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{16,32}$/).map((s) => `sEcReT${s}`);
/** A credential as copy-paste and attackers produce it: the secret with whitespace, controls, injected headers. */
const credential = fc
  .tuple(
    fc.constantFrom('', ' ', '\t', '\n', '\r\n'),
    secret,
    fc.constantFrom('', '\n', '\r\n', '\t', ' x', '\r\nX-Evil: 1', '\u0000', 'ä'),
  )
  .map(([before, s, after]) => ({ secret: s, value: `${before}${s}${after}` }));

/** Either a well-formed value or anything at all, so every shape check is reached. */
const orAnything = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, fc.anything());

const kubeconfig = credential.chain(({ secret: s, value }) =>
  fc
    .record({
      'current-context': orAnything(fc.constant('c')),
      contexts: orAnything(
        fc.array(orAnything(fc.constant({ name: 'c', context: { cluster: 'k', user: 'u' } })), {
          maxLength: 3,
        }),
      ),
      clusters: orAnything(
        fc.array(
          orAnything(
            fc.record({
              name: orAnything(fc.constant('k')),
              cluster: orAnything(
                fc.record({
                  server: orAnything(fc.constantFrom('https://api:443', `https://u:${s}@api`, ' https://a ')),
                  'certificate-authority-data': orAnything(fc.constant('Q0E=')),
                  'insecure-skip-tls-verify': orAnything(fc.boolean()),
                }),
              ),
            }),
          ),
          { maxLength: 3 },
        ),
      ),
      users: orAnything(
        fc.array(
          orAnything(
            fc.record({
              name: orAnything(fc.constant('u')),
              user: orAnything(
                fc.oneof(
                  fc.constant({ token: value }),
                  fc.constant({ username: 'admin', password: value }),
                  fc.constant({ username: value, password: 'pw' }),
                  fc.record({ token: fc.constant(value), extra: fc.anything() }),
                ),
              ),
            }),
          ),
          { maxLength: 3 },
        ),
      ),
    })
    .map((raw) => ({ secret: s, text: yaml.dump(raw, { skipInvalid: true }) })),
);

function check(text: string, secretValue?: string): void {
  const result = decodeShootKubeconfig(text);
  if ('error' in result) {
    expect(typeof result.error).toBe('string');
    expect(result.error.length).toBeLessThan(1000);
    if (secretValue) expect(result.error).not.toContain(secretValue);
    return;
  }
  const { token, username, password } = result.kubeconfig.user;
  // Whatever is accepted can be sent as a header: visible ASCII only (a password is base64-encoded).
  for (const value of [token, username]) if (value !== undefined) expect(value).toMatch(/^[\x21-\x7e]+$/);
  // eslint-disable-next-line no-control-regex -- control characters are what must not pass
  if (password !== undefined) expect(password).not.toMatch(/[\x00-\x1f\x7f]/);
  expect(() => new URL(result.kubeconfig.server)).not.toThrow();
}

describe('decodeShootKubeconfig (property)', () => {
  it('is total over kubeconfig-shaped YAML and never echoes a credential', () => {
    fc.assert(
      fc.property(kubeconfig, ({ secret: s, text }) => {
        check(text, s);
      }),
      fuzzParameters(),
    );
  });

  it('is total over any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.anything().map((v) => yaml.dump(v, { skipInvalid: true })),
        ),
        (text) => {
          check(text);
        },
      ),
      fuzzParameters(),
    );
  });
});
