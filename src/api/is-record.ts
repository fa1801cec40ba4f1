/**
 * Whether `value` is a plain JSON object (not null, not an array): the one guard every decoder
 * uses before it reads fields of input it does not trust.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
