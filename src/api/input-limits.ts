import { FieldErrorType, FieldPath, type FieldError } from './field-errors.js';

/**
 * How deep a providerConfig may nest. Real configs stay below 15 levels (the deepest Flux fields
 * sit about 10 below the root); the limit only has to keep every later step (defaulting, cloning,
 * hashing, the API server's own decoder) far from any stack or time limit.
 */
export const maxProviderConfigDepth = 100;

/**
 * How many values (objects, lists and scalars) a providerConfig may hold. An Extension fits in
 * etcd's 1.5 MiB, so a real one holds far fewer; input parsed from YAML with aliases can share
 * subtrees, and this bound keeps a walk over such a graph linear in what was read.
 */
export const maxProviderConfigValues = 100_000;

function invalidWithoutValue(path: FieldPath, detail: string): FieldError {
  // The value is an object (or a huge one): it is not echoed.
  return { type: FieldErrorType.Invalid, field: path.toString(), detail };
}

/**
 * Checks, without recursion, that `raw` is JSON data within the limits above: at most
 * {@link maxProviderConfigDepth} nested objects and lists, at most {@link maxProviderConfigValues}
 * values, and no value JSON cannot carry (functions, symbols, big integers). Returns the first
 * problem found, at the path of the object that nests too deep or of the offending value, so no
 * later step has to be safe for arbitrary depth or size.
 */
export function validateProviderConfigShape(raw: unknown): FieldError | undefined {
  const pending: { value: unknown; path: FieldPath; depth: number }[] = [
    { value: raw, path: FieldPath.root(), depth: 0 },
  ];
  // Counted when queued, so a huge list is refused before it is walked.
  let values = 1;
  const tooMany = invalidWithoutValue(
    FieldPath.root(),
    `holds more than ${maxProviderConfigValues} values; a providerConfig is much smaller`,
  );
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value, path, depth } = item;
    const type = typeof value;
    if (type === 'function' || type === 'symbol' || type === 'bigint') {
      return invalidWithoutValue(
        path,
        'must be JSON data (an object, list, string, number, boolean or null)',
      );
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxProviderConfigDepth) {
      return invalidWithoutValue(path, `nested deeper than ${maxProviderConfigDepth} levels`);
    }
    const entries: [string, unknown][] | undefined = Array.isArray(value) ? undefined : Object.entries(value);
    values += entries ? entries.length : (value as unknown[]).length;
    if (values > maxProviderConfigValues) return tooMany;
    if (entries) {
      for (const [key, element] of entries)
        pending.push({ value: element, path: path.child(key), depth: depth + 1 });
    } else {
      (value as unknown[]).forEach((element, i) => {
        pending.push({ value: element, path: path.index(i), depth: depth + 1 });
      });
    }
  }
  return undefined;
}
