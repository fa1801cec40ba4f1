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

/** `Invalid value`: the value is malformed. */
export function invalid(path: FieldPath, badValue: unknown, detail: string): FieldError {
  return { type: FieldErrorType.Invalid, field: path.toString(), badValue, detail };
}

/** `Unsupported value`: the value is not one of a known set. */
export function notSupported(path: FieldPath, badValue: unknown, supported: readonly string[]): FieldError {
  return {
    type: FieldErrorType.NotSupported,
    field: path.toString(),
    badValue,
    detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  };
}

/** `Forbidden`: the field may not be set here. */
export function forbidden(path: FieldPath, detail: string): FieldError {
  return { type: FieldErrorType.Forbidden, field: path.toString(), detail };
}

/** `Duplicate value`: the value must be unique and is not. */
export function duplicate(path: FieldPath, badValue: unknown, detail = ''): FieldError {
  return { type: FieldErrorType.Duplicate, field: path.toString(), badValue, detail };
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
  // JSON.stringify returns undefined for undefined and functions, despite its declared type.
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'null';
}

/** One error in apimachinery's wording: `<field>: <Type wording>[: <value>][: <detail>]`. */
export function formatFieldError(error: FieldError): string {
  let body = typeWording[error.type];
  const withValue = error.type !== FieldErrorType.Required && error.type !== FieldErrorType.Forbidden;
  if (withValue && 'badValue' in error) body += `: ${renderBadValue(error.badValue)}`;
  if (error.detail !== '') body += `: ${error.detail}`;
  return error.field === '' ? body : `${error.field}: ${body}`;
}

/** Several errors as one message, as apimachinery's aggregate prints them: `m` or `[m1, m2]`. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  const messages = [...new Set(errors.map(formatFieldError))];
  if (messages.length <= 1) return messages[0] ?? '';
  return `[${messages.join(', ')}]`;
}
