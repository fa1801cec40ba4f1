import type { ValidateFunction } from 'ajv';
import { createAjv } from '../api/lazy-ajv.js';
import { isRecord } from '../api/is-record.js';

/** The AdmissionReview version this webhook speaks (`admissionReviewVersions: ["v1"]`). */
export const admissionReviewApiVersion = 'admission.k8s.io/v1';
export const admissionReviewKind = 'AdmissionReview';

/** `AdmissionRequest.operation` values. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The fields of an `admission.k8s.io/v1` AdmissionRequest the webhook reads. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: AdmissionOperation;
  name?: string;
  namespace?: string;
  /** The object as it will be stored (CREATE, UPDATE). */
  object?: unknown;
  /** The object as it is stored now (UPDATE, DELETE). */
  oldObject?: unknown;
  dryRun?: boolean;
}

/** A `metav1.StatusCause`: one field error, as the API server reports validation errors. */
export interface StatusCause {
  /** The Kubernetes CauseType, e.g. `FieldValueRequired` (JSON name `reason`, as in metav1). */
  reason: string;
  message: string;
  field: string;
}

/** A `metav1.Status` of a failed request. */
export interface Status {
  apiVersion?: 'v1';
  kind?: 'Status';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  /** `Invalid`, `BadRequest`, `RequestEntityTooLarge`, `InternalError`, … */
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

/** The webhook's answer to one AdmissionRequest. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: Status;
  /** Shown by kubectl as `Warning: …` lines (the API server sends them as Warning headers). */
  warnings?: string[];
}

/** An AdmissionReview as the webhook answers it. */
export interface AdmissionReviewResponse {
  apiVersion: typeof admissionReviewApiVersion;
  kind: typeof admissionReviewKind;
  response: AdmissionResponse;
}

const string = { type: 'string' } as const;

// Only the envelope is checked here; the object itself is the reviewer's to judge.
const admissionReviewSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { const: admissionReviewApiVersion },
    kind: { const: admissionReviewKind },
    request: {
      type: 'object',
      required: ['uid', 'kind', 'operation'],
      properties: {
        uid: { type: 'string', minLength: 1 },
        kind: {
          type: 'object',
          required: ['group', 'version', 'kind'],
          properties: { group: string, version: string, kind: string },
        },
        operation: { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] },
        name: string,
        namespace: string,
        dryRun: { type: 'boolean' },
      },
    },
  },
} as const;

// Compiled on first use: every other CLI command loads this module too and never needs it.
let compiledEnvelopeCheck: ValidateFunction | undefined;
function envelopeCheck(): ValidateFunction {
  compiledEnvelopeCheck ??= createAjv({ allErrors: false, strict: true }).compile(admissionReviewSchema);
  return compiledEnvelopeCheck;
}

/**
 * The request of an `admission.k8s.io/v1` AdmissionReview, or why it is malformed (answered
 * with HTTP 400). CREATE and UPDATE must carry the object, UPDATE the old object too.
 */
export function decodeAdmissionReview(body: unknown): { request: AdmissionRequest } | { error: string } {
  const checkEnvelope = envelopeCheck();
  if (!checkEnvelope(body)) {
    const [first] = checkEnvelope.errors ?? [];
    const where = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'AdmissionReview';
    return { error: `malformed AdmissionReview: ${where} ${first?.message ?? 'is invalid'}` };
  }
  const request = (body as { request: AdmissionRequest }).request;
  const needsObject = request.operation === 'CREATE' || request.operation === 'UPDATE';
  if (needsObject && !isRecord(request.object)) {
    return { error: `malformed AdmissionReview: request.object must be an object for ${request.operation}` };
  }
  if (request.operation === 'UPDATE' && !isRecord(request.oldObject)) {
    return { error: 'malformed AdmissionReview: request.oldObject must be an object for UPDATE' };
  }
  return { request };
}

/** Wraps a response into the AdmissionReview the API server expects back. */
export function buildAdmissionReviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: admissionReviewApiVersion, kind: admissionReviewKind, response };
}
