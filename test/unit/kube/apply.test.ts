import { describe, expect, it } from 'vitest';
import { managedByLabelValue } from '../../../src/api/constants.js';
import { fieldManager, findRejectedFields } from '../../../src/kube/apply.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';

const apply = (status: number | undefined, reason: string | undefined, detail: string) =>
  new KubernetesApiError('apply', 'GitRepository flux-system/flux-system', status, reason, detail);

describe('findRejectedFields', () => {
  it.each([
    [
      'one undeclared field',
      'HTTP 500 InternalError: failed to create typed patch object (flux-system/flux-system; ' +
        'source.toolkit.fluxcd.io/v1, Kind=GitRepository): .spec.intervall: field not declared in schema',
      [{ path: 'spec.intervall', detail: 'field not declared in schema' }],
    ],
    [
      'several errors, one per line',
      'HTTP 500: failed to create typed patch object (a/b; x/v1, Kind=K): errors:\n' +
        '  .spec.a: field not declared in schema\n  .spec.ref.tag: expected string, got &value.valueUnstructured{Value:5}',
      [
        { path: 'spec.a', detail: 'field not declared in schema' },
        { path: 'spec.ref.tag', detail: 'expected string, got &value.valueUnstructured{Value:5}' },
      ],
    ],
  ])('reads the fields of a schema mismatch (500): %s', (_name, detail, fields) => {
    expect(findRejectedFields(apply(500, 'InternalError', detail))).toEqual(fields);
  });

  it('reads the fields of a 422 Invalid', () => {
    const err = apply(
      422,
      'Invalid',
      'HTTP 422 Invalid: GitRepository.source.toolkit.fluxcd.io "flux-system" is invalid: [spec.interval: ' +
        'Invalid value: "1d": spec.interval in body should match \'^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$\', ' +
        'metadata.labels: Invalid value: "a b": name part must consist of alphanumeric characters]',
    );
    expect(findRejectedFields(err)).toEqual([
      { path: 'spec.interval', detail: 'Invalid value' },
      { path: 'metadata.labels', detail: 'Invalid value' },
    ]);
  });

  it.each([
    ['a server fault', apply(500, 'InternalError', 'HTTP 500 InternalError: etcdserver: request timed out')],
    ['no answer', apply(undefined, undefined, 'connect ECONNREFUSED 127.0.0.1:6443')],
    ['a conflict', apply(409, 'Conflict', 'HTTP 409 Conflict: apply conflict')],
    ['another verb', new KubernetesApiError('get', 'x', 422, 'Invalid', 'HTTP 422')],
    ['no Kubernetes error', new Error('failed to create typed patch object')],
  ])('is undefined for %s (retrying may help)', (_name, err) => {
    expect(findRejectedFields(err)).toBeUndefined();
  });
});

describe('fieldManager', () => {
  it('is the managed-by label value: one name owns the objects and their fields', () => {
    expect(fieldManager).toBe(managedByLabelValue);
  });
});
