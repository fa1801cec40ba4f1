import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  KubernetesApiError,
  decodeStatusBody,
  describeApiError,
  describeTransportFailure,
  isConflictError,
  isNotFoundError,
  wrapKubernetesError,
} from '../../../src/kube/errors.js';

/** An error shaped like node-fetch's FetchError for a system error. */
function fetchError(message: string, code: string): Error {
  return Object.assign(new Error(message), { name: 'FetchError', type: 'system', code, errno: code });
}

const invalidHeader =
  'the request could not be sent: a header is not a legal HTTP header value ' +
  '(whitespace or control characters in the token or password of the kubeconfig?)';

describe('wrapKubernetesError', () => {
  it('keeps status, reason and message of an ApiException, not its headers', () => {
    const status = JSON.stringify({
      kind: 'Status',
      reason: 'Conflict',
      message: 'the object has been modified',
      code: 409,
    });
    const err = wrapKubernetesError(
      new ApiException(
        409,
        'HTTP-Code: 409 Message: ... Headers: {"authorization":"Bearer secret"}',
        status,
        {
          authorization: 'Bearer secret',
        },
      ),
      'patch',
      'Extension shoot--a--b/flux',
    );
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect(err).toMatchObject({
      verb: 'patch',
      object: 'Extension shoot--a--b/flux',
      statusCode: 409,
      reason: 'Conflict',
    });
    expect(err.message).toBe(
      'patch Extension shoot--a--b/flux: HTTP 409 Conflict: the object has been modified',
    );
    expect(JSON.stringify(err)).not.toContain('secret');
    expect(err.message).not.toContain('secret');
    expect(err.cause).toBeUndefined();
    expect(isConflictError(err)).toBe(true);
    expect(isNotFoundError(err)).toBe(false);
  });

  it('copes with a body that is no Status (401 has none)', () => {
    const err = wrapKubernetesError(
      new ApiException(401, 'Unauthorized', undefined, {}),
      'get',
      'Secret a/b',
    );
    expect(err.message).toBe('get Secret a/b: HTTP 401');
    expect(err.reason).toBeUndefined();
  });

  it('bounds and redacts what the server echoes', () => {
    const status = JSON.stringify({
      reason: 'Invalid',
      message: `GitRepository "x" is invalid: spec.url: Invalid value: "https://u:t0ken@h/${'a'.repeat(700 * 1024)}"`,
    });
    const err = wrapKubernetesError(new ApiException(422, 'x', status, {}), 'apply', 'GitRepository ns/x');
    expect(err.message.length).toBeLessThan(3000);
    expect(err.message).toContain('(truncated,');
    expect(err.message).not.toContain('t0ken');
  });

  it.each([
    [
      'a token with a trailing newline',
      new TypeError('Bearer abc123\n is not a legal HTTP header value'),
      invalidHeader,
    ],
    [
      'a token with CR/LF',
      new TypeError('Bearer abc123\r\n is not a legal HTTP header value'),
      invalidHeader,
    ],
    [
      'a token with header injection',
      new TypeError('Bearer abc123\r\nX-Evil: 1 is not a legal HTTP header value'),
      invalidHeader,
    ],
    [
      "Node's own header check",
      Object.assign(new TypeError('Invalid character in header content ["Authorization"]'), {
        code: 'ERR_INVALID_CHAR',
      }),
      invalidHeader,
    ],
    [
      'a refused connection',
      fetchError(
        'request to https://u:abc123@127.0.0.1:1/api failed, reason: connect ECONNREFUSED',
        'ECONNREFUSED',
      ),
      'connection refused (ECONNREFUSED)',
    ],
    [
      'an untrusted certificate',
      fetchError('request to https://h/?token=abc123 failed', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      'server certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)',
    ],
    ['an unknown code', fetchError('abc123', 'EWHATEVER'), 'request failed (EWHATEVER)'],
    [
      'an abort',
      Object.assign(new Error('The operation was aborted abc123'), { name: 'AbortError', type: 'aborted' }),
      'request aborted (deadline passed or shutting down)',
    ],
    ['a plain error', new Error('connect ECONNREFUSED abc123'), 'request failed (Error)'],
    [
      'a code that is no identifier',
      Object.assign(new Error('abc123'), { code: 'abc123 x' }),
      'request failed (Error)',
    ],
    ['a thrown string', 'abc123', 'request failed (unknown error)'],
    ['null', null, 'request failed (unknown error)'],
  ])('classifies %s without its message', (_name, thrown, expected) => {
    const err = wrapKubernetesError(thrown, 'list', 'deployments');
    expect(err).toMatchObject({ statusCode: undefined, message: `list deployments: ${expected}` });
    expect(err.cause).toBeUndefined();
    expect(JSON.stringify([err.message, err.stack, Object.entries(err)])).not.toContain('abc123');
  });

  it('bounds the object it names', () => {
    const err = wrapKubernetesError(new Error('x'), 'apply', `Secret ns/${'n'.repeat(700 * 1024)}`);
    expect(err.message.length).toBeLessThan(1000);
  });

  it('leaves a KubernetesApiError as it is', () => {
    const original = new KubernetesApiError('get', 'x', 404, 'NotFound', 'HTTP 404 NotFound');
    expect(wrapKubernetesError(original, 'apply', 'y')).toBe(original);
    expect(isNotFoundError(original)).toBe(true);
  });
});

describe('describeApiError', () => {
  it.each([
    [
      'a KubernetesApiError',
      new KubernetesApiError('get', 'x', 404, 'NotFound', 'HTTP 404 NotFound'),
      'get x: HTTP 404 NotFound',
    ],
    [
      'an ApiException',
      new ApiException(403, 'Headers: Bearer s', '{"reason":"Forbidden"}', {}),
      'HTTP 403 Forbidden',
    ],
    ['a plain error, redacted', new Error('list https://u:p@h/x: timeout'), 'list https://***@h/x: timeout'],
    ['a TypeError', new TypeError('Bearer t\n is not a legal HTTP header value'), invalidHeader],
    [
      'a system error',
      fetchError('connect ECONNRESET 10.0.0.1', 'ECONNRESET'),
      'connection reset by the server (ECONNRESET)',
    ],
  ])('%s', (_name, err, expected) => {
    expect(describeApiError(err)).toBe(expected);
  });
});

describe('describeTransportFailure', () => {
  it('names a timeout', () => {
    expect(describeTransportFailure(new DOMException('signal timed out', 'TimeoutError'))).toBe(
      'request timed out',
    );
  });
});

describe('decodeStatusBody', () => {
  it.each([
    ['{"reason":"NotFound","message":"m"}', { reason: 'NotFound', message: 'm' }],
    ['not json', {}],
    ['[1]', { reason: undefined, message: undefined }],
    [undefined, {}],
  ])('%j', (text, expected) => {
    expect(decodeStatusBody(text)).toEqual(expected);
  });
});
