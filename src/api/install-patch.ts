// A CommonJS module: its functions are reached through the default export under Node's ESM.
import fastJsonPatch, { type JsonPatchError, type Operation } from 'fast-json-patch';
import yaml from 'js-yaml';
import type { FieldPath } from './field-errors.js';
import { invalid, required, type FieldError } from './field-errors.js';
import type { FluxInstallPatch, FluxPatchTarget } from './types.js';
import { isRecord } from './is-record.js';

/** A `flux.patches[]` patch text, decoded: a JSON 6902 operation list or strategic merge documents. */
export type DecodedInstallPatch =
  | { type: 'json6902'; operations: Operation[] }
  | { type: 'strategicMerge'; documents: Record<string, unknown>[] };

/** One requirement of a label selector (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`). */
export interface SelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

// A label key: optional DNS subdomain prefix and a name of at most 63 characters.
const selectorKey = String.raw`(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const selectorValue = String.raw`(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const equalityPattern = new RegExp(`^(${selectorKey})\\s*(==|=|!=)\\s*(${selectorValue})$`);
const setPattern = new RegExp(`^(${selectorKey})\\s+(in|notin)\\s+\\(([^)]*)\\)$`);
const existsPattern = new RegExp(`^(!?)\\s*(${selectorKey})$`);

/** Splits a selector at the commas outside parentheses. */
function splitSelector(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

/**
 * A label or annotation selector in Kubernetes' text form, as kustomize's `labelSelector` takes
 * it; a string naming the problem when it is not one.
 */
export function decodeSelector(selector: string): SelectorRequirement[] | string {
  if (selector.trim() === '') return [];
  const requirements: SelectorRequirement[] = [];
  for (const part of splitSelector(selector)) {
    const equality = equalityPattern.exec(part);
    if (equality) {
      const [, key = '', , , operator, value = ''] = equality;
      requirements.push({ key, operator: operator === '!=' ? 'NotIn' : 'In', values: [value] });
      continue;
    }
    const set = setPattern.exec(part);
    if (set) {
      const [, key = '', , , operator, list = ''] = set;
      const values = list.split(',').map((v) => v.trim());
      if (values.some((v) => !new RegExp(`^${selectorValue}$`).test(v)))
        return `invalid value list in "${part}"`;
      requirements.push({ key, operator: operator === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    const exists = existsPattern.exec(part);
    if (exists) {
      const [, not, key = ''] = exists;
      requirements.push({ key, operator: not === '!' ? 'DoesNotExist' : 'Exists', values: [] });
      continue;
    }
    return `"${part}" is not a selector requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
  }
  return requirements;
}

/** Whether labels (or annotations) satisfy every requirement. */
export function matchesSelector(
  requirements: readonly SelectorRequirement[],
  labels: Readonly<Record<string, string>> = {},
): boolean {
  return requirements.every(({ key, operator, values }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && values.includes(labels[key] ?? '');
      case 'NotIn':
        return !has || !values.includes(labels[key] ?? '');
    }
  });
}

/** Strategic merge directives (`$patch`, `$retainKeys`, …) anywhere in a document: where the first sits. */
function findDirective(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findDirective(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$')) return `${path}.${key}`.replace(/^\./, '');
    const found = findDirective(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Decodes a patch text as kustomize reads a `patches[].patch`: a YAML/JSON list is a JSON 6902
 * patch (every operation checked), otherwise each document is a strategic merge patch.
 * Returns the problem as a string when the text is neither.
 */
export function decodeInstallPatch(text: string): DecodedInstallPatch | string {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, null, { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    return `is not valid YAML: ${(err as yaml.YAMLException).reason}`;
  }
  documents = documents.filter((d) => d !== null && d !== undefined);
  if (documents.length === 0) return 'is empty';
  const [first] = documents;
  if (Array.isArray(first)) {
    if (documents.length > 1) return 'a JSON 6902 patch is one list of operations';
    // Typed as always returning an error; it returns undefined for a valid patch.
    const error = fastJsonPatch.validate(first as Operation[]) as JsonPatchError | undefined;
    if (error)
      return `is not a valid JSON 6902 patch: operation ${error.index}: ${error.message.split('\n')[0] ?? ''}`;
    return { type: 'json6902', operations: first as Operation[] };
  }
  const objects: Record<string, unknown>[] = [];
  for (const document of documents) {
    if (!isRecord(document)) return 'must be a JSON 6902 operation list or strategic merge patch objects';
    const directive = findDirective(document, '');
    if (directive) {
      return `strategic merge directives are not supported (${directive}): use a JSON 6902 patch`;
    }
    objects.push(document);
  }
  return { type: 'strategicMerge', documents: objects };
}

/** Compiles a target field as kustomize does: an anchored regular expression. */
export function compileTargetPattern(pattern: string): RegExp | string {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    return `is not a regular expression: ${(err as Error).message}`;
  }
}

function validateTarget(target: FluxPatchTarget, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['group', 'version', 'kind', 'name', 'namespace'] as const) {
    const value = target[field];
    if (value === undefined) continue;
    const compiled = compileTargetPattern(value);
    if (typeof compiled === 'string') errors.push(invalid(path.child(field), value, compiled));
  }
  for (const field of ['labelSelector', 'annotationSelector'] as const) {
    const value = target[field];
    if (value === undefined) continue;
    const decoded = decodeSelector(value);
    if (typeof decoded === 'string') errors.push(invalid(path.child(field), value, decoded));
  }
  return errors;
}

/**
 * `flux.patches`: each patch decodes (JSON 6902 or strategic merge), a strategic merge patch
 * without target names the object it patches (kind and metadata.name), target patterns and
 * selectors compile. Whether a patch selects anything is judged against the rendered install set.
 */
export function validateInstallPatches(
  patches: readonly FluxInstallPatch[] | undefined,
  path: FieldPath,
): FieldError[] {
  const errors: FieldError[] = [];
  (patches ?? []).forEach((entry, i) => {
    const entryPath = path.index(i);
    if (entry.patch.trim() === '') {
      errors.push(required(entryPath.child('patch'), 'must be a strategic merge or JSON 6902 patch'));
      return;
    }
    const decoded = decodeInstallPatch(entry.patch);
    // The patch text is the user's; it is named, never echoed (it may be long).
    if (typeof decoded === 'string') {
      const error = invalid(entryPath.child('patch'), null, decoded);
      delete error.badValue;
      errors.push(error);
    } else if (decoded.type === 'json6902' && entry.target === undefined) {
      errors.push(required(entryPath.child('target'), 'a JSON 6902 patch needs a target'));
    } else if (decoded.type === 'strategicMerge' && entry.target === undefined) {
      decoded.documents.forEach((document) => {
        const metadata = isRecord(document.metadata) ? document.metadata : {};
        if (typeof document.kind !== 'string' || typeof metadata.name !== 'string') {
          errors.push(
            required(
              entryPath.child('target'),
              'a strategic merge patch without target must name its object (kind and metadata.name)',
            ),
          );
        }
      });
    }
    if (entry.target) errors.push(...validateTarget(entry.target, entryPath.child('target')));
  });
  return errors;
}
