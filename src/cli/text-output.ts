// Everything the CLI prints for people (results, errors, warnings, notes) goes through this
// module. Keys, values and file names come from the input, so they may hold newlines or terminal
// escape sequences that would forge a line ("… valid") or repaint the screen, and they may be
// megabytes long. Data output (rendered YAML/JSON, a migrated file) is not text output: its
// serialisers quote what they print, and it must stay byte-exact.

/** Longest line printed; the rest is cut off with a marker saying how much. */
export const maxTextLineLength = 4096;

// C0 and C1 control characters, DEL, line/paragraph separators and the bidirectional controls
// that can make text display in an order other than the one it is stored in.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const namedEscapes: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text with every control character written as an escape (`\n`, `\u001b`), on one line. */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    unsafeCharacters,
    (c) => namedEscapes[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The text cut to `max` characters with a marker, unchanged when it fits. */
export function truncateText(text: string, max = maxTextLineLength): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: half a character is not text.
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

/** One line as printed: escaped, then bounded. */
export function formatTextLine(line: string): string {
  return truncateText(escapeControlCharacters(line));
}

/** Lines as printed to a terminal or log: each escaped and bounded, each ending in a newline. */
export function renderTextLines(lines: readonly string[]): string {
  return lines.map((line) => `${formatTextLine(line)}\n`).join('');
}

/**
 * A copy of a JSON/YAML report with every string bounded: results carry input keys and values,
 * and one of several megabytes must not flood a pipeline. Serialisers escape control characters.
 */
export function truncateReportStrings<T>(report: T, max = maxTextLineLength): T {
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return truncateText(value, max);
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [truncateText(k, max), visit(v)]));
  };
  return visit(report) as T;
}
