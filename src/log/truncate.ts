/**
 * Bounds one text to `maxBytes` UTF-8 bytes, marker included: a longer text keeps its start and
 * ends in `… (truncated, N bytes)` with its full size, so a reader knows something was cut and
 * how much. Texts written to status, events and logs pass through it: a 700 KiB bad value must
 * not push a status patch over the API server's request limit (the error would be lost).
 * Pure and dependency-free, so every layer can use the same bound.
 */
export function truncateText(text: string, maxBytes: number): string {
  // Cheap exit for the usual short text: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  const size = Buffer.byteLength(text, 'utf8');
  if (size <= maxBytes) return text;
  const marker = `… (truncated, ${size} bytes)`;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(marker, 'utf8'));
  let used = 0;
  let end = 0;
  // Walk code points, so a cut never splits a character (or a surrogate pair) in two.
  for (const char of text) {
    const bytes = Buffer.byteLength(char, 'utf8');
    if (used + bytes > budget) break;
    used += bytes;
    end += char.length;
  }
  return `${text.slice(0, end)}${marker}`;
}

/** The bounds this project writes with, in UTF-8 bytes; chosen well below every API limit. */
export const textLimits = {
  /** One bad value inside a field error (Kubernetes prints the value; a name is at most 253). */
  badValue: 512,
  /** One field error detail or one field path. */
  detail: 1024,
  /** `lastError.description`, `lastOperation.description`, a condition message (gardenlet copies them into the Shoot). */
  statusText: 8 * 1024,
  /** An Event message (events.k8s.io caps `note` at 1 KiB; core/v1 Events follow it here). */
  eventMessage: 1024,
  /** An Event reason (events.k8s.io caps `reason` at 128). */
  eventReason: 128,
  /** One string value in a log line. */
  logValue: 4 * 1024,
} as const;
