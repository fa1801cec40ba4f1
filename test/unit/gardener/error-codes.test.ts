import { describe, expect, it } from 'vitest';
import { determineErrorCodes } from '../../../src/gardener/error-codes.js';

describe('determineErrorCodes', () => {
  it.each([
    [
      { statusCode: 400, message: 'admission webhook "validate.kyverno.svc" denied the request: blocked' },
      ['ERR_PROBLEMATIC_WEBHOOK'],
    ],
    [
      {
        statusCode: 500,
        message:
          'Internal error occurred: failed calling webhook "x.example.com": Post "https://x:443/": context deadline exceeded',
      },
      ['ERR_PROBLEMATIC_WEBHOOK'],
    ],
    [{ statusCode: 401, message: 'HTTP 401 Unauthorized' }, ['ERR_INFRA_UNAUTHENTICATED']],
    [{ statusCode: 403, message: 'HTTP 403 Forbidden: secrets is forbidden' }, ['ERR_INFRA_UNAUTHORIZED']],
    [{ statusCode: 429, message: 'HTTP 429 TooManyRequests' }, ['ERR_INFRA_RATE_LIMITS_EXCEEDED']],
    [{ statusCode: 409, message: 'HTTP 409 Conflict' }, []],
    [{ message: 'connect ECONNREFUSED 127.0.0.1:443' }, []],
    // the words alone are not enough for the auth codes: a status code must say so
    [{ message: 'the user is unauthorized to look at this' }, []],
  ])('%j → %j', (facts, codes) => {
    expect(determineErrorCodes(facts)).toEqual(codes);
  });

  it('leaves out codes the error already carries', () => {
    expect(determineErrorCodes({ statusCode: 403, message: 'x' }, ['ERR_INFRA_UNAUTHORIZED'])).toEqual([]);
  });
});
