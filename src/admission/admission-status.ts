import { formatFieldError, formatFieldErrors, type FieldError } from '../api/field-errors.js';
import type { Status, StatusCause } from './admission-review.js';

/** The object a denial is about, named in its message as the API server names it. */
export interface DeniedObject {
  group: string;
  kind: string;
  name: string;
}

// Bounds on what one answer carries: a providerConfig can repeat a mistake thousands of times or
// hold a huge string, and the API server copies all of it into its response and its audit log.
const maxMessageLength = 1024;
const maxCauses = 100;
const maxWarnings = 20;
const maxWarningLength = 512;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A 422 `Invalid` Status with one cause per field error, in the shape of apimachinery's
 * `NewInvalid`, so `kubectl apply` prints `The Shoot "x" is invalid:` and one `* field: …` line
 * per error, exactly as for the API server's own validation.
 */
export function buildInvalidStatus(object: DeniedObject, errors: readonly FieldError[]): Status {
  const causes: StatusCause[] = errors.slice(0, maxCauses).map((error) => ({
    reason: error.type,
    // The cause message is the error without its field (apimachinery's `ErrorBody`).
    message: truncate(formatFieldError({ ...error, field: '' }), maxMessageLength),
    field: error.field,
  }));
  const qualifiedKind = object.group === '' ? object.kind : `${object.kind}.${object.group}`;
  return {
    metadata: {},
    status: 'Failure',
    message: truncate(
      `${qualifiedKind} ${JSON.stringify(object.name)} is invalid: ${formatFieldErrors(errors.slice(0, maxCauses))}`,
      maxMessageLength * 4,
    ),
    reason: 'Invalid',
    details: { name: object.name, group: object.group, kind: object.kind, causes },
    code: 422,
  };
}

/** A Status for a failure that is not about fields (bad request, internal error). */
export function buildFailureStatus(code: number, reason: string, message: string): Status {
  return { metadata: {}, status: 'Failure', message: truncate(message, maxMessageLength), reason, code };
}

/**
 * Warnings as the API server passes them on: printable text only (they travel as HTTP
 * `Warning` headers, and the API server drops any that are not), each bounded, and at most 20.
 */
export function buildWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings)];
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const printable = unique.map((w) => truncate(w.replace(/[\u0000-\u001f\u007f]+/g, ' '), maxWarningLength));
  if (printable.length <= maxWarnings) return printable;
  return [
    ...printable.slice(0, maxWarnings - 1),
    `${printable.length - maxWarnings + 1} more warnings left out`,
  ];
}
