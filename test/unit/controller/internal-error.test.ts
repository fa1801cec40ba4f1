import { describe, expect, it } from 'vitest';
import { ConfigurationError, CodedError, RequeueAfterError } from '../../../src/controller/errors.js';
import { describeInternalError, isInternalError } from '../../../src/controller/internal-error.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';
import { ShootAccessError } from '../../../src/controller/shoot-flux/shoot-client-provider.js';

describe('isInternalError', () => {
  it.each([
    ['a TypeError', new TypeError('raw.contexts?.find is not a function'), true],
    ['a RangeError', new RangeError('Maximum call stack size exceeded'), true],
    ['a plain Error wrapping a TypeError', new Error('step: x', { cause: new TypeError('y') }), true],
    ['a thrown string', 'boom', true],
    ['a thrown object', { message: 'x' }, true],
    ['a foreign-realm TypeError (by name)', Object.assign(new Error('x'), { name: 'TypeError' }), true],
    ['a configuration error', new ConfigurationError('invalid providerConfig: x'), false],
    ['a coded error', new CodedError('x', ['ERR_RETRYABLE_CONFIGURATION_PROBLEM']), false],
    ['a request error', new KubernetesApiError('get', 'x', 500, undefined, 'HTTP 500'), false],
    ['a requeue with a request error', new RequeueAfterError(1, 'x', { cause: new Error('y') }), false],
    ['a shoot access error', new ShootAccessError('no shoot access secret'), false],
    ['a plain Error', new Error('the Cluster of the shoot is missing'), false],
  ])('%s: %s', (_name, err, expected) => {
    expect(isInternalError(err)).toBe(expected);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isInternalError(a)).toBe(false);
  });
});

describe('describeInternalError', () => {
  it('names the step and the reconcile, nothing of the error', () => {
    expect(describeInternalError('Installing Flux v2.9.2', 'r-1').message).toBe(
      'internal error in step "Installing Flux v2.9.2" (reconcileID r-1; the controller log has the details)',
    );
  });
});
