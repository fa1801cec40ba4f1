/** Keys whose values never reach a log line or an error message. */
const secretKeys = new Set([
  'data',
  'stringdata',
  'token',
  'password',
  'kubeconfig',
  'authorization',
  'client-key-data',
  'client-certificate-data',
  'bearertoken',
  '.dockerconfigjson',
  'secret',
]);

/** Placeholder written instead of a redacted value. */
export const redacted = '[redacted]';

/**
 * Returns a copy of `value` with the values of secret-bearing keys replaced, at any depth
 * (Secret `data`/`stringData`, tokens, passwords, kubeconfigs, authorization headers).
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { message: value.message, ...(value.cause ? { cause: redact(value.cause, depth + 1) } : {}) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    result[key] = secretKeys.has(key.toLowerCase()) ? redacted : redact(inner, depth + 1);
  }
  return result;
}
