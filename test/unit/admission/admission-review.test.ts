import { describe, expect, it } from 'vitest';
import {
  buildAdmissionReviewResponse,
  decodeAdmissionReview,
} from '../../../src/admission/admission-review.js';
import { buildInvalidStatus, buildWarnings } from '../../../src/admission/admission-status.js';
import { invalid, FieldPath } from '../../../src/api/field-errors.js';
import { buildShoot, buildShootAdmissionReview } from '../../harness/admission-shoots.js';

describe('decodeAdmissionReview', () => {
  it('returns the request of an admission.k8s.io/v1 AdmissionReview', () => {
    const review = buildShootAdmissionReview({ operation: 'CREATE', object: buildShoot(), uid: 'u' });
    expect(decodeAdmissionReview(review)).toMatchObject({ request: { uid: 'u', operation: 'CREATE' } });
  });

  it.each([
    ['not an object', 'text', /AdmissionReview must be object/],
    [
      'an older version',
      { ...valid(), apiVersion: 'admission.k8s.io/v1beta1' },
      /apiVersion must be equal to constant/,
    ],
    [
      'no request',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
      /must have required property 'request'/,
    ],
    ['no uid', withRequest({ uid: undefined }), /request must have required property 'uid'/],
    ['an empty uid', withRequest({ uid: '' }), /request\.uid must NOT have fewer than 1 characters/],
    [
      'an unknown operation',
      withRequest({ operation: 'PATCH' }),
      /request\.operation must be equal to one of/,
    ],
    [
      'a kind without group',
      withRequest({ kind: { version: 'v1beta1', kind: 'Shoot' } }),
      /request\.kind must have required property 'group'/,
    ],
    [
      'CREATE without object',
      withRequest({ object: undefined }),
      /request\.object must be an object for CREATE/,
    ],
    [
      'UPDATE without old object',
      withRequest({ operation: 'UPDATE' }),
      /request\.oldObject must be an object for UPDATE/,
    ],
    ['an object that is a list', withRequest({ object: [] }), /request\.object must be an object/],
  ])('refuses %s, saying what is wrong', (_name, body, message) => {
    const decoded = decodeAdmissionReview(body);
    expect('error' in decoded && decoded.error).toMatch(message);
  });

  function valid(): Record<string, unknown> {
    return buildShootAdmissionReview({ operation: 'CREATE', object: buildShoot() });
  }
  function withRequest(changes: Record<string, unknown>): Record<string, unknown> {
    const review = valid();
    const merged = { ...(review.request as Record<string, unknown>), ...changes };
    const request = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
    return { ...review, request };
  }
});

describe('responses', () => {
  it('wrap into an AdmissionReview of the same version', () => {
    expect(buildAdmissionReviewResponse({ uid: 'u', allowed: true })).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u', allowed: true },
    });
  });

  it('bound the causes and their messages of a huge providerConfig', () => {
    const errors = Array.from({ length: 500 }, (_, i) =>
      invalid(FieldPath.of(`spec.x[${i}]`), 'v'.repeat(5000), 'is wrong'),
    );
    const status = buildInvalidStatus({ group: 'core.gardener.cloud', kind: 'Shoot', name: 's' }, errors);
    expect(status.details?.causes).toHaveLength(100);
    expect(Math.max(...(status.details?.causes ?? []).map((c) => c.message.length))).toBeLessThanOrEqual(
      1024,
    );
    expect(status.message.length).toBeLessThanOrEqual(4096);
  });

  it('keep warnings printable, unique, bounded and at most 20', () => {
    expect(buildWarnings(['a\nb\u0007c', 'a\nb\u0007c'])).toEqual(['a b c']);
    const many = buildWarnings(Array.from({ length: 30 }, (_, i) => `w${i} ${'x'.repeat(1000)}`));
    expect(many).toHaveLength(20);
    expect(many.at(-1)).toBe('11 more warnings left out');
    expect(Math.max(...many.map((w) => w.length))).toBeLessThanOrEqual(512);
  });
});
