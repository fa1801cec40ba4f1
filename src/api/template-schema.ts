import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { distance } from 'fastest-levenshtein';
import {
  FieldPath,
  invalid,
  notSupported,
  required,
  type FieldError,
  type FieldWarning,
} from './field-errors.js';
import { isRecord } from './is-record.js';
import { createAjv } from './lazy-ajv.js';

/**
 * The OpenAPI v3 schemas of the Flux CRD versions templates may be written as, from the release
 * bundle that will be installed: plain JSON, so this module stays pure. src/flux builds it.
 */
export interface TemplateSchemas {
  /** What the schemas belong to, for messages, e.g. `Flux v2.9.2`. */
  readonly origin: string;
  /** `<apiVersion>, Kind=<kind>` (templateSchemaKey) → that CRD version's `openAPIV3Schema`. */
  readonly schemas: Readonly<Record<string, unknown>>;
}

/** The key of one CRD version in TemplateSchemas, e.g. `source.toolkit.fluxcd.io/v1, Kind=GitRepository`. */
export function templateSchemaKey(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}

type JsonObject = Record<string, unknown>;

/** Value validations ajv checks as the API server does; copied as they are. */
const copiedKeywords = [
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
] as const;

/** A pattern as the API server's Go regexp reads it; JS cannot compile a few RE2 forms: then none. */
function compilablePattern(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return undefined;
  try {
    new RegExp(pattern, 'u');
    return pattern;
  } catch {
    return undefined;
  }
}

/** Where a schema node sits: junctors (anyOf…) only add value checks, never types or pruning. */
interface TranslateScope {
  inJunctor: boolean;
  /** The object root, whose `metadata` is ObjectMeta (checked by the API server, not the CRD). */
  isRoot: boolean;
}

function translateType(node: JsonObject, out: JsonObject): void {
  const nullable = node.nullable === true;
  if (node['x-kubernetes-int-or-string'] === true) {
    out.type = nullable ? ['integer', 'string', 'null'] : ['integer', 'string'];
  } else if (typeof node.type === 'string') {
    out.type = nullable ? [node.type, 'null'] : node.type;
  }
  const values: unknown = out.enum;
  if (nullable && Array.isArray(values) && !values.includes(null))
    out.enum = [...(values as unknown[]), null];
}

function translateBounds(node: JsonObject, out: JsonObject): void {
  // OpenAPI v3.0 writes exclusive bounds as booleans beside minimum/maximum; JSON Schema as numbers.
  if (node.exclusiveMinimum === true && typeof node.minimum === 'number') {
    out.exclusiveMinimum = node.minimum;
    delete out.minimum;
  }
  if (node.exclusiveMaximum === true && typeof node.maximum === 'number') {
    out.exclusiveMaximum = node.maximum;
    delete out.maximum;
  }
}

function translateObject(node: JsonObject, out: JsonObject, scope: TranslateScope): void {
  const properties = isRecord(node.properties) ? node.properties : undefined;
  if (properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, child]) => [
        name,
        scope.isRoot && name === 'metadata'
          ? { type: 'object' }
          : translateNode(child, { inJunctor: scope.inJunctor, isRoot: false }),
      ]),
    );
  }
  if (Array.isArray(node.required)) {
    // A field with a default is never missing: the API server defaults before it validates.
    out.required = node.required.filter(
      (name): name is string =>
        typeof name === 'string' &&
        !(properties && isRecord(properties[name]) && 'default' in properties[name]),
    );
  }
  if (scope.inJunctor) return;
  const embedded = node['x-kubernetes-embedded-resource'] === true;
  if (embedded) {
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...(out.properties as JsonObject | undefined),
    };
  }
  if (isRecord(node.additionalProperties)) {
    out.additionalProperties = translateNode(node.additionalProperties, { inJunctor: false, isRoot: false });
  } else if (node.additionalProperties !== true && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    // Structural schemas prune every field they do not declare; that is what is reported.
    out.additionalProperties = false;
  }
}

/**
 * One node of a CRD's structural schema as a JSON Schema ajv checks like the API server does:
 * `nullable` adds `null`, `x-kubernetes-int-or-string` is integer or string,
 * `x-kubernetes-preserve-unknown-fields` keeps unknown fields, every other object declares its
 * fields (`additionalProperties: false`), defaulted fields are not required, `format` is left out
 * (in Flux's CRDs only `int64` and `date-time` in `status`), and CEL rules
 * (`x-kubernetes-validations`) are left to the API server.
 */
function translateNode(node: unknown, scope: TranslateScope): JsonObject {
  if (!isRecord(node)) return {};
  const out: JsonObject = {};
  for (const keyword of copiedKeywords) if (keyword in node) out[keyword] = node[keyword];
  const pattern = compilablePattern(node.pattern);
  if (pattern !== undefined) out.pattern = pattern;
  translateBounds(node, out);
  if (!scope.inJunctor) translateType(node, out);
  const isObjectNode = node.type === 'object' || isRecord(node.properties);
  if (isObjectNode) translateObject(node, out, scope);
  if (node.items !== undefined) out.items = translateNode(node.items, { ...scope, isRoot: false });
  // int-or-string's anyOf only restates the type.
  if (node['x-kubernetes-int-or-string'] !== true) {
    for (const junctor of ['anyOf', 'oneOf', 'allOf'] as const) {
      const branches = node[junctor];
      if (Array.isArray(branches)) {
        out[junctor] = branches.map((branch) => translateNode(branch, { inJunctor: true, isRoot: false }));
      }
    }
  }
  if (isRecord(node.not)) out.not = translateNode(node.not, { inJunctor: true, isRoot: false });
  return out;
}

/** A CRD version's `openAPIV3Schema` as a JSON Schema for ajv (see translateNode). */
export function translateCrdSchema(schema: unknown): JsonObject {
  return translateNode(schema, { inJunctor: false, isRoot: true });
}

// Lenient: the schemas are Flux's data, not ours; an unusual keyword must not stop the check.
// `verbose` puts the offending value into each error, to show it as the bad value.
const checkingOptions: Options = { allErrors: true, strict: false, validateFormats: false, verbose: true };

// A memo keyed by the schema object, which the bundle's builder hands out once per bundle: each
// (Flux version, kind) schema is compiled once per process, not on every evaluation.
const compiled = new WeakMap<object, ValidateFunction | Error>();

/**
 * A schema's translation compiled with `options`, once per schema object (`memo`); an Error when
 * it cannot be. Each schema gets an Ajv instance of its own: an instance keeps every function it
 * compiled for its whole life, so a shared one would keep the schemas of every bundle ever loaded
 * (a bundle evicted and loaded again compiles anew). Its own instance lives as long as the
 * validator, which lives as long as the schema object, i.e. the bundle, in the memo.
 */
function compileOnce(
  options: Options,
  memo: WeakMap<object, ValidateFunction | Error>,
  schema: JsonObject,
): ValidateFunction | Error {
  let validate = memo.get(schema);
  if (validate === undefined) {
    try {
      validate = createAjv(options).compile(translateCrdSchema(schema));
    } catch (err) {
      validate = err instanceof Error ? err : new Error(String(err));
    }
    memo.set(schema, validate);
  }
  return validate;
}

/** The validator of one CRD version's schema, compiled on first use; an Error when it cannot be. */
export function compileTemplateSchema(schema: JsonObject): ValidateFunction | Error {
  return compileOnce(checkingOptions, compiled, schema);
}

// Pruning removes every field a closed object does not declare while it validates: the pruning
// the API server applies to custom resources. Junctor branches are never closed
// (translateObject), so only the structural schema decides what goes, as on the server.
const pruningOptions: Options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  removeAdditional: true,
};
const compiledPruners = new WeakMap<object, ValidateFunction | Error>();

/**
 * A copy of an object built from a template without the fields the schema of its CRD version
 * does not declare, as the API server would prune them on create (server-side apply refuses them
 * instead). validateTemplateSchema reports each as a warning; applying the pruned object makes
 * that warning the only effect. Without a schema for the object's version and kind, an
 * unchanged copy.
 */
export function pruneUndeclaredFields<T extends { apiVersion: string; kind: string }>(
  object: T,
  schemas: TemplateSchemas,
): T {
  const copy = structuredClone(object);
  const schema = schemas.schemas[templateSchemaKey(object.apiVersion, object.kind)];
  if (!isRecord(schema)) return copy;
  const prune = compileOnce(pruningOptions, compiledPruners, schema);
  if (!(prune instanceof Error)) prune(copy);
  return copy;
}

/** The fields a schema declares, as dotted paths from the object root (`spec.ref`, `spec.include[*].toPath`). */
function declaredFields(schema: unknown, prefix = ''): string[] {
  if (!isRecord(schema)) return [];
  const fields: string[] = [];
  if (isRecord(schema.properties)) {
    for (const [name, child] of Object.entries(schema.properties)) {
      const field = prefix === '' ? name : `${prefix}.${name}`;
      fields.push(field, ...declaredFields(child, field));
    }
  }
  if (schema.items !== undefined) fields.push(...declaredFields(schema.items, `${prefix}[*]`));
  return fields;
}

function lastSegment(field: string): string {
  return field.slice(field.lastIndexOf('.') + 1);
}

/**
 * The field an unknown one was probably meant to be: a declared field of the same name elsewhere
 * (`ref` → `spec.ref`), else a declared sibling a typo away (`intervall` → `interval`). Never a
 * field under `status`, which templates do not set.
 */
function suggestField(schema: unknown, parent: string, name: string): string | undefined {
  const fields = declaredFields(schema).filter((field) => field !== 'status' && !field.startsWith('status.'));
  const sameName = fields.filter((field) => lastSegment(field) === name);
  if (sameName.length > 0) return sameName.sort((a, b) => a.length - b.length)[0];
  const parentPattern = parent.replace(/\[\d+\]/g, '[*]');
  const siblings = fields
    .filter((field) => {
      const cut = field.lastIndexOf('.');
      return (cut < 0 ? '' : field.slice(0, cut)) === parentPattern;
    })
    .map(lastSegment);
  const maxDistance = name.length <= 4 ? 1 : 2;
  const scored = siblings
    .map((sibling) => ({ sibling, d: distance(sibling.toLowerCase(), name.toLowerCase()) }))
    .filter(({ d }) => d <= maxDistance)
    .sort((a, b) => a.d - b.d);
  const best = scored[0]?.sibling;
  return best === undefined ? undefined : parent === '' ? best : `${parent}.${best}`;
}

/** `/spec/include/0/toPath` → `spec.include[0].toPath`. */
function relativePath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^(0|[1-9][0-9]*)$/.test(segment)) path += `[${segment}]`;
    else path = path === '' ? segment : `${path}.${segment}`;
  }
  return path;
}

function under(base: FieldPath, relative: string): FieldPath {
  if (relative === '') return base;
  return relative.startsWith('[') ? FieldPath.of(`${base.toString()}${relative}`) : base.child(relative);
}

/** Scalars are safe to show; objects could be large. */
function scalarOrOmitted(value: unknown): unknown {
  return value === null || typeof value !== 'object' ? value : undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? 'an' : 'a';
}

interface Finding {
  error?: FieldError;
  warning?: FieldWarning;
}

function typeError(path: FieldPath, error: ErrorObject): FieldError {
  const types = String((error.params as { type: unknown }).type).split(',');
  const found = scalarOrOmitted(error.data);
  const detail = `must be ${types.map((type) => `${article(type)} ${type}`).join(' or ')}`;
  const fieldError = invalid(path, found, detail);
  if (found === undefined) delete fieldError.badValue;
  return fieldError;
}

function toFinding(error: ErrorObject, schema: unknown, base: FieldPath, described: string): Finding {
  const relative = relativePath(error.instancePath);
  const path = under(base, relative);
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      const suggestion = suggestField(schema, relative, name);
      const hint = suggestion === undefined ? '' : `; did you mean "${under(base, suggestion).toString()}"?`;
      return {
        warning: {
          field: path.child(name).toString(),
          message: `unknown field: the ${described} does not declare it, so it is not applied${hint}`,
        },
      };
    }
    case 'required': {
      const name = (error.params as { missingProperty: string }).missingProperty;
      return { error: required(path.child(name), `the ${described} requires it`) };
    }
    case 'type':
      return { error: typeError(path, error) };
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return { error: notSupported(path, scalarOrOmitted(error.data), allowed.map(String)) };
    }
    case 'pattern': {
      const pattern = (error.params as { pattern: string }).pattern;
      return { error: invalid(path, scalarOrOmitted(error.data), `must match '${pattern}'`) };
    }
    default: {
      const fieldError = invalid(path, scalarOrOmitted(error.data), error.message ?? 'is invalid');
      if (typeof error.data === 'object' && error.data !== null) delete fieldError.badValue;
      return { error: fieldError };
    }
  }
}

/**
 * Checks an object built from a template against the schema of the CRD version it will be
 * written as: wrong types, values outside an enum or pattern, and missing required fields are
 * errors; fields the CRD does not declare are warnings naming their full path and, where one is
 * likely, the field meant. Paths start at `path` (e.g. `source.template`). Without a schema for
 * the object's version and kind, a warning says that only its structure was checked.
 */
export function validateTemplateSchema(
  object: { apiVersion: string; kind: string },
  schemas: TemplateSchemas,
  path: FieldPath,
): { errors: FieldError[]; warnings: FieldWarning[] } {
  const described = `${object.kind} ${object.apiVersion} CRD of ${schemas.origin}`;
  const schema = schemas.schemas[templateSchemaKey(object.apiVersion, object.kind)];
  const validate = isRecord(schema) ? compileTemplateSchema(schema) : undefined;
  if (validate === undefined || validate instanceof Error) {
    const why = validate instanceof Error ? 'its schema cannot be compiled' : 'it is not in the bundle';
    return {
      errors: [],
      warnings: [
        {
          field: path.toString(),
          message: `not checked against the ${described}: ${why}; only its structure was checked`,
        },
      ],
    };
  }
  if (validate(object)) return { errors: [], warnings: [] };
  const errors: FieldError[] = [];
  const warnings: FieldWarning[] = [];
  for (const ajvError of validate.errors ?? []) {
    // A junctor's branches report their own failures; the junctor's summary is enough.
    if (/\/(anyOf|oneOf)\/\d+\//.test(ajvError.schemaPath)) continue;
    const finding = toFinding(ajvError, schema, path, described);
    if (finding.error) errors.push(finding.error);
    if (finding.warning) warnings.push(finding.warning);
  }
  return { errors, warnings };
}
