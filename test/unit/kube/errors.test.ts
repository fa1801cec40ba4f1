import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  KubernetesApiError,
  decodeStatusBody,
  isConflictError,
  isNotFoundError,
  wrapKubernetesError,
} from '../../../src/kube/errors.js';

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

  it('wraps network errors without a status', () => {
    const err = wrapKubernetesError(new Error('connect ECONNREFUSED 127.0.0.1:6443'), 'list', 'deployments');
    expect(err).toMatchObject({
      statusCode: undefined,
      message: 'list deployments: connect ECONNREFUSED 127.0.0.1:6443',
    });
  });

  it('leaves a KubernetesApiError as it is', () => {
    const original = new KubernetesApiError('get', 'x', 404, 'NotFound', 'HTTP 404 NotFound');
    expect(wrapKubernetesError(original, 'apply', 'y')).toBe(original);
    expect(isNotFoundError(original)).toBe(true);
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
