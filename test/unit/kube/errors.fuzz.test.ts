import { ApiException } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeApiError, wrapKubernetesError } from '../../../src/kube/errors.js';
import { fuzzParameters } from '../../fuzz/parameters.js';

/** A token-shaped secret: unlikely to occur in any message by chance. */
const token = fc.stringMatching(/^[A-Za-z0-9._-]{12,40}$/).map((t) => `tok${t}`);
/** The ways a token ends up mangled in an Authorization header. */
const mangled = fc
  .tuple(token, fc.constantFrom('', '\n', '\r\n', '\t', ' ', '\r\nX-Evil: 1', '\u0000'))
  .map(([t, suffix]) => ({ token: t, header: `Bearer ${t}${suffix}` }));
const wording = fc.constantFrom(
  (h: string) => `${h} is not a legal HTTP header value`,
  (h: string) => `request to https://api.shoot/api?x=${h} failed, reason: connect ECONNREFUSED`,
  (h: string) => `Invalid character in header content ["Authorization"]: ${h}`,
  (h: string) => h,
  (h: string) => `${h}\n    at fetch (node:internal)`,
);

/** Any value a request may throw, each carrying the token somewhere it must not leak from. */
const thrown = fc
  .tuple(mangled, wording, fc.nat(5), fc.string())
  .map(([{ token: t, header }, word, kind, noise]) => {
    const message = word(header);
    const err = (() => {
      switch (kind) {
        case 0:
          return new TypeError(message);
        case 1:
          return Object.assign(new Error(message), {
            name: 'FetchError',
            type: 'system',
            code: 'ECONNREFUSED',
          });
        case 2:
          return new ApiException(401, `HTTP-Code: 401 Headers: {"authorization":"${header}"}`, noise, {
            authorization: header,
          });
        case 3:
          return new Error(noise, { cause: new TypeError(message) });
        case 4:
          return message;
        default:
          return { message, headers: { Authorization: header }, code: noise };
      }
    })();
    return { token: t, err };
  });

describe('wrapKubernetesError (property)', () => {
  it('never throws and never lets a token through', () => {
    fc.assert(
      fc.property(thrown, fc.string(), ({ token: secret, err }, object) => {
        const wrapped = wrapKubernetesError(err, 'get', object);
        const texts = [
          wrapped.message,
          wrapped.stack ?? '',
          describeApiError(err),
          describeApiError(wrapped),
        ];
        for (const text of texts) expect(text).not.toContain(secret);
        expect(wrapped.cause).toBeUndefined();
      }),
      fuzzParameters(),
    );
  });
});
