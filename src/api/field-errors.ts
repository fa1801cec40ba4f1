import { redactText } from '../log/redact.js';
import { textLimits, truncateText } from '../log/truncate.js';

/** Kubernetes field error types, by their standard `field.ErrorType` strings. */
export const FieldErrorType = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  Duplicate: 'FieldValueDuplicate',
  NotFound: 'FieldValueNotFound',
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

/** One problem with one field, in the shape of Kubernetes' `field.Error`. */
export interface FieldError {
  type: FieldErrorType;
  /** Path relative to the providerConfig root, e.g. `source.template.spec.url`. */
  field: string;
  /** The offending value; absent for Required/Forbidden and whenever it could carry secret data. */
  badValue?: unknown;
  detail: string;
}

/** A non-fatal finding: deprecations, unknown fields, converted versions. */
export interface FieldWarning {
  field: string;
  message: string;
}

/** An immutable field path built like apimachinery's `field.Path`. */
export class FieldPath {
  private constructor(private readonly path: string) {}

  /** The providerConfig root: children of it print without a leading dot. */
  static root(): FieldPath {
    return new FieldPath('');
  }

  /** A path from its printed form, e.g. `spec.providerConfig`. */
  static of(path: string): FieldPath {
    return new FieldPath(path);
  }

  /** The path of a named child, e.g. `source` → `source.template`. */
  child(name: string, ...more: string[]): FieldPath {
    const joined = [name, ...more].join('.');
    return new FieldPath(this.path === '' ? joined : `${this.path}.${joined}`);
  }

  /** The path of a list element, e.g. `flux.components[2]`. */
  index(i: number): FieldPath {
    return new FieldPath(`${this.path}[${i}]`);
  }

  toString(): string {
    return this.path;
  }
}

/** `Required value`: a field that must be set is not. */
export function required(path: FieldPath, detail: string): FieldError {
  return { type: FieldErrorType.Required, field: path.toString(), detail };
}

/** JSON text of any value; undefined for what JSON cannot hold (functions, cycles, BigInt). */
function renderJson(value: unknown): string | undefined {
  try {
    // JSON.stringify returns undefined for undefined and functions, despite its declared type.
    const json: string | undefined = JSON.stringify(value);
    return json;
  } catch {
    return undefined;
  }
}

/**
 * A bad value as a field error keeps it: small and secret-free. Strings are redacted (URL
 * credentials, tokens) and bounded; a structure whose JSON is too long or holds something to
 * redact becomes that JSON, redacted and bounded, as a string. So no consumer (status, events,
 * logs, CLI) ever gets a 700 KiB value or a credential from a field error.
 */
export function boundBadValue(value: unknown): unknown {
  if (typeof value === 'string') return truncateText(redactText(value), textLimits.badValue);
  if (value === null || typeof value !== 'object') return value;
  const json = renderJson(value);
  if (json === undefined) return '<unprintable value>';
  const safe = truncateText(redactText(json), textLimits.badValue);
  return safe === json ? value : safe;
}

/** `Invalid value`: the value is malformed. */
export function invalid(path: FieldPath, badValue: unknown, detail: string): FieldError {
  return { type: FieldErrorType.Invalid, field: path.toString(), badValue: boundBadValue(badValue), detail };
}

/** `Unsupported value`: the value is not one of a known set. */
export function notSupported(path: FieldPath, badValue: unknown, supported: readonly string[]): FieldError {
  return {
    type: FieldErrorType.NotSupported,
    field: path.toString(),
    badValue: boundBadValue(badValue),
    detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  };
}

/** `Forbidden`: the field may not be set here. */
export function forbidden(path: FieldPath, detail: string): FieldError {
  return { type: FieldErrorType.Forbidden, field: path.toString(), detail };
}

/** `Duplicate value`: the value must be unique and is not. */
export function duplicate(path: FieldPath, badValue: unknown, detail = ''): FieldError {
  return {
    type: FieldErrorType.Duplicate,
    field: path.toString(),
    badValue: boundBadValue(badValue),
    detail,
  };
}

/** `Not found`: the value names an object that does not exist. */
export function notFound(path: FieldPath, badValue: unknown, detail: string): FieldError {
  return { type: FieldErrorType.NotFound, field: path.toString(), badValue, detail };
}

/** Prefixes every path with `prefix` (e.g. `spec.providerConfig`), for errors found in an embedding object. */
export function prefixFieldPath(field: string, prefix: string): string {
  if (prefix === '') return field;
  if (field === '') return prefix;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

const typeWording: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotFound: 'Not found',
};

function renderBadValue(value: unknown): string {
  // Bounded again: a FieldError may be built without the constructors above.
  if (typeof value === 'string') return JSON.stringify(truncateText(redactText(value), textLimits.badValue));
  return truncateText(redactText(renderJson(value) ?? 'null'), textLimits.badValue);
}

/**
 * One error in apimachinery's wording: `<field>: <Type wording>[: <value>][: <detail>]`. Field
 * path, value and detail are each bounded, so one error is at most a few KiB.
 */
export function formatFieldError(error: FieldError): string {
  let body = typeWording[error.type];
  const withValue = error.type !== FieldErrorType.Required && error.type !== FieldErrorType.Forbidden;
  if (withValue && 'badValue' in error) body += `: ${renderBadValue(error.badValue)}`;
  if (error.detail !== '') body += `: ${truncateText(redactText(error.detail), textLimits.detail)}`;
  const field = truncateText(error.field, textLimits.detail);
  return field === '' ? body : `${field}: ${body}`;
}

/** Several errors as one message, as apimachinery's aggregate prints them: `m` or `[m1, m2]`. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  const messages = [...new Set(errors.map(formatFieldError))];
  if (messages.length <= 1) return messages[0] ?? '';
  return `[${messages.join(', ')}]`;
}

/**
 * Warnings as one bounded line for one Event and one log line per reconcile:
 * `<n> warnings: <field>: <message>; …` with as many as fit into `maxBytes`, then `and <k> more`.
 */
export function formatFieldWarnings(warnings: readonly FieldWarning[], maxBytes: number): string {
  const head = warnings.length === 1 ? '1 warning: ' : `${warnings.length} warnings: `;
  const parts: string[] = [];
  let used = Buffer.byteLength(head);
  for (const [index, warning] of warnings.entries()) {
    const text = `${truncateText(warning.field, textLimits.badValue)}: ${truncateText(warning.message, textLimits.badValue)}`;
    const rest = warnings.length - index - 1;
    // Room for this part, its separator and a possible "; and <n> more" tail.
    const tail = rest > 0 ? `; and ${rest} more`.length : 0;
    if (used + Buffer.byteLength(text) + 2 + tail > maxBytes && parts.length > 0) {
      return `${head}${parts.join('; ')}; and ${warnings.length - index} more`;
    }
    parts.push(text);
    used += Buffer.byteLength(text) + 2;
  }
  return truncateText(`${head}${parts.join('; ')}`, maxBytes);
}
