import { describe, expect, it } from 'vitest';
import { ConfigurationError, CodedError } from '../../../src/controller/errors.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';
import {
  buildErrorStatus,
  buildProcessingStatus,
  buildSuccessStatus,
  determineLastErrorCodes,
  errorMessage,
  evaluateExtensionReadiness,
  extractErrorCodes,
  formatLastErrDescription,
} from '../../../src/gardener/status.js';

const now = new Date('2025-03-04T05:06:07.891Z');

describe('status builders', () => {
  it('Processing: lastOperation only, progress 1', () => {
    expect(buildProcessingStatus('Create', 'Reconciling the Extension', now)).toEqual({
      lastOperation: {
        type: 'Create',
        state: 'Processing',
        progress: 1,
        description: 'Reconciling the Extension',
        lastUpdateTime: '2025-03-04T05:06:07Z',
      },
    });
  });

  it('Error: capitalised description, codes through the cause chain, observedGeneration', () => {
    const err = new Error('bootstrap failed', {
      cause: new ConfigurationError('invalid providerConfig: source.template: Required value'),
    });
    expect(buildErrorStatus('Reconcile', 'error reconciling Extension', err, 3, now)).toEqual({
      lastOperation: {
        type: 'Reconcile',
        state: 'Error',
        progress: 50,
        description: 'Error reconciling Extension: bootstrap failed',
        lastUpdateTime: '2025-03-04T05:06:07Z',
      },
      lastError: {
        description: 'Error reconciling Extension: bootstrap failed',
        codes: ['ERR_CONFIGURATION_PROBLEM'],
        lastUpdateTime: '2025-03-04T05:06:07Z',
      },
      observedGeneration: 3,
    });
  });

  it('Success: progress 100, lastError cleared, observedGeneration', () => {
    expect(buildSuccessStatus('Create', 'Successfully reconciled Extension', 2, now)).toEqual({
      lastOperation: {
        type: 'Create',
        state: 'Succeeded',
        progress: 100,
        description: 'Successfully reconciled Extension',
        lastUpdateTime: '2025-03-04T05:06:07Z',
      },
      lastError: null,
      observedGeneration: 2,
    });
  });

  it('formats and extracts like Gardener', () => {
    expect(formatLastErrDescription('error x')).toBe('Error x');
    expect(formatLastErrDescription('')).toBe('');
    expect(
      extractErrorCodes(
        new AggregateError([new CodedError('a', ['ERR_INFRA_UNAUTHORIZED']), new ConfigurationError('b')]),
      ),
    ).toEqual(['ERR_INFRA_UNAUTHORIZED', 'ERR_CONFIGURATION_PROBLEM']);
    expect(extractErrorCodes(new Error('plain'))).toEqual([]);
  });
});

describe('lastError codes', () => {
  const denied = new KubernetesApiError(
    'apply',
    'GitRepository flux-system/flux-system',
    400,
    'BadRequest',
    'HTTP 400 BadRequest: admission webhook "deny.example.com" denied the request: no',
  );

  it.each([
    ['a webhook denial in the shoot', denied, ['ERR_PROBLEMATIC_WEBHOOK']],
    [
      'a webhook that cannot be called, under a wrapping message',
      new Error('failed to install Flux', {
        cause: new KubernetesApiError(
          'apply',
          'Namespace flux-system',
          500,
          'InternalError',
          'HTTP 500 InternalError: Internal error occurred: failed calling webhook "x.example.com": connection refused',
        ),
      }),
      ['ERR_PROBLEMATIC_WEBHOOK'],
    ],
    [
      '401 from the shoot',
      new KubernetesApiError('get', 'Secret a/b', 401, 'Unauthorized', 'HTTP 401 Unauthorized'),
      ['ERR_INFRA_UNAUTHENTICATED'],
    ],
    [
      '403 from the shoot, wrapped',
      new Error('failed to sync secrets', {
        cause: new KubernetesApiError('apply', 'Secret a/b', 403, 'Forbidden', 'HTTP 403 Forbidden: no'),
      }),
      ['ERR_INFRA_UNAUTHORIZED'],
    ],
    [
      'a configuration problem keeps its code first',
      new ConfigurationError('refused', [], { cause: denied }),
      ['ERR_CONFIGURATION_PROBLEM', 'ERR_PROBLEMATIC_WEBHOOK'],
    ],
    [
      'a carried code is not repeated',
      new CodedError('x', ['ERR_INFRA_UNAUTHORIZED'], {
        cause: new KubernetesApiError('get', 'Secret a/b', 403, 'Forbidden', 'HTTP 403 Forbidden'),
      }),
      ['ERR_INFRA_UNAUTHORIZED'],
    ],
    [
      'a connection failure has none',
      new KubernetesApiError('get', 'Secret a/b', undefined, undefined, 'connection refused (ECONNREFUSED)'),
      [],
    ],
    ['a conflict has none', new KubernetesApiError('apply', 'x', 409, 'Conflict', 'HTTP 409 Conflict'), []],
  ])('%s', (_name, err, codes) => {
    expect(determineLastErrorCodes(err)).toEqual(codes);
  });

  it('are what the Error status records', () => {
    const status = buildErrorStatus('Reconcile', 'Error reconciling Extension', denied, 1, now);
    expect(status.lastError?.codes).toEqual(['ERR_PROBLEMATIC_WEBHOOK']);
  });
});

describe('status text bounds', () => {
  it('records an error even when its message is 700 KiB, bounded to 8 KiB', () => {
    const status = buildErrorStatus(
      'Reconcile',
      'Error reconciling Extension',
      new Error('x'.repeat(700 * 1024)),
      1,
      now,
    );
    for (const text of [status.lastError?.description ?? '', status.lastOperation?.description ?? '']) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(8 * 1024);
      expect(text).toMatch(/^Error reconciling Extension: x+… \(truncated, \d+ bytes\)$/);
    }
  });

  it.each([
    [
      'a bearer token',
      new Error('get x: Bearer abc\r\nX-Evil: 1 is not a legal HTTP header value'),
      /X-Evil|abc/,
    ],
    ['URL credentials', new Error('clone ftp://u:p@ss@host failed'), /p@ss/],
    ['a thrown string', 'user:tok3n@host', /tok3n/],
  ])('redacts %s', (_name, err, leak) => {
    const status = buildErrorStatus('Reconcile', 'Error', err, 1, now);
    expect(JSON.stringify(status)).not.toMatch(leak);
  });

  it('describes a thrown value without a usable toString', () => {
    expect(errorMessage(Object.create(null))).toBe('unknown error');
  });

  it('bounds a Processing description', () => {
    const status = buildProcessingStatus('Reconcile', 'w'.repeat(100_000), now);
    expect(Buffer.byteLength(status.lastOperation?.description ?? '')).toBeLessThanOrEqual(8 * 1024);
  });
});

describe('evaluateExtensionReadiness (gardenlet CheckExtensionObject)', () => {
  const ready = {
    metadata: { generation: 2, annotations: { 'gardener.cloud/timestamp': '2025-03-04T05:06:07.5Z' } },
    status: { ...buildSuccessStatus('Reconcile', 'ok', 2, now) },
  };
  it('accepts a succeeded, current object', () => {
    expect(evaluateExtensionReadiness(ready)).toBeUndefined();
  });
  it('rejects in gardenlet order', () => {
    expect(
      evaluateExtensionReadiness({ ...ready, status: { ...ready.status, lastError: { description: 'X' } } }),
    ).toBe('error during reconciliation: X');
    expect(evaluateExtensionReadiness({ ...ready, metadata: { generation: 3 } })).toBe(
      'observed generation outdated',
    );
    expect(
      evaluateExtensionReadiness({
        ...ready,
        metadata: { generation: 2, annotations: { 'gardener.cloud/operation': 'reconcile' } },
      }),
    ).toBe('operation annotation present');
    expect(
      evaluateExtensionReadiness({
        ...ready,
        metadata: { generation: 2, annotations: { 'gardener.cloud/timestamp': '2025-03-04T05:06:08Z' } },
      }),
    ).toBe('timestamp newer than last operation');
  });
});
