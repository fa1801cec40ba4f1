import { redactUrl } from './redact-url.js';
import { textLimits, truncateText } from './truncate.js';

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

/** Items of a list written into one log line; the rest is counted. */
const maxLoggedItems = 50;

const illegalHeaderSuffix = ' is not a legal HTTP header value';

/**
 * Returns `text` with credential-shaped parts replaced: URL credentials (see redactUrl), the value
 * after `Bearer`/`Basic` (also when Node's HTTP client quotes a whole illegal header value, token
 * with line breaks and all), and JSON Web Tokens (service-account tokens). A last line of defence
 * for free text: errors are made secret-free where they are wrapped (src/kube/errors.ts). Linear in
 * the text's length.
 */
export function redactText(text: string): string {
  let result = text;
  if (result.includes(illegalHeaderSuffix)) {
    // `Bearer abc\r\nX-Evil: 1 is not a legal HTTP header value`: everything up to the suffix is the value.
    result = result
      .split(illegalHeaderSuffix)
      .map((part, index, parts) =>
        index === parts.length - 1 ? part : part.replace(/\b(Bearer|Basic)\b[\s\S]*$/i, `$1 ${redacted}`),
      )
      .join(illegalHeaderSuffix);
  }
  if (/bearer|basic/i.test(result)) {
    result = result.replace(/\b(Bearer|Basic)([ \t]+)(?!\[redacted\])[^\s"',;]+/gi, `$1$2${redacted}`);
  }
  if (result.includes('eyJ')) {
    result = result.replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, redacted);
  }
  return redactUrl(result);
}

/** An error as a log value: its name, message and stack, with credential-shaped text redacted. */
function redactError(err: Error, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    name: err.name,
    message: truncateText(redactText(err.message), textLimits.logValue),
  };
  if (err.stack) fields.stack = truncateText(redactText(err.stack), textLimits.logValue);
  if (err.cause !== undefined) fields.cause = redact(err.cause, depth + 1);
  return fields;
}

/**
 * Returns a copy of `value` with the values of secret-bearing keys replaced, at any depth
 * (Secret `data`/`stringData`, tokens, passwords, kubeconfigs, authorization headers), and every
 * string redacted (redactText) and bounded in size; long lists and deep nesting are cut.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return truncateText(redactText(value), textLimits.logValue);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any object we log on purpose: unread, so nothing unredacted slips through.
  if (depth > 12) return '[too deep]';
  if (value instanceof Error) return redactError(value, depth);
  if (Array.isArray(value)) {
    const items = value.slice(0, maxLoggedItems).map((item) => redact(item, depth + 1));
    if (value.length > maxLoggedItems) items.push(`… (${value.length - maxLoggedItems} more)`);
    return items;
  }
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    result[key] = secretKeys.has(key.toLowerCase()) ? redacted : redact(inner, depth + 1);
  }
  return result;
}
