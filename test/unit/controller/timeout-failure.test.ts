import { describe, expect, it } from 'vitest';
import { isTimeoutFailure } from '../../../src/controller/timeout-failure.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';
import { KubeRequestTimeoutError } from '../../../src/kube/http-transport.js';

describe('isTimeoutFailure (which Extensions get only their share of the workers)', () => {
  const timeout = new KubeRequestTimeoutError(
    'discover',
    'v1',
    'request',
    'https://127.0.0.1:443',
    'request to shoot API server https://127.0.0.1:443 timed out after 30s (GET /api/v1)',
  );

  it.each([
    ['a request timeout', timeout, true],
    ['a request timeout wrapped by the steps', new Error('installing Flux: …', { cause: timeout }), true],
    [
      'the reconcile deadline',
      new Error('aborted', { cause: new DOMException('deadline of 180000 ms passed', 'TimeoutError') }),
      true,
    ],
    [
      'an HTTP error',
      new KubernetesApiError('apply', 'Namespace x', 500, 'InternalError', 'HTTP 500'),
      false,
    ],
    ['a refused connection', new Error('connect ECONNREFUSED 127.0.0.1:1'), false],
    ['not an error at all', 'timed out', false],
  ])('%s → %s', (_name, err, expected) => {
    expect(isTimeoutFailure(err)).toBe(expected);
  });
});
