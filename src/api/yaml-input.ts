// Reads YAML (and JSON, which is YAML) that comes from users: CLI files, admission requests, Flux
// release bundles. The parser alone is not enough for untrusted text: an alias to a large node
// repeated a thousand times turns kilobytes into gigabytes of data for every consumer that walks
// or prints it. The limits here are checked while js-yaml parses, so a hostile input is refused
// before the amplified data exists, and everything done per node is constant work, so reading is
// linear in the size of the text.
import yaml from 'js-yaml';

/** Why an input was refused. Stable strings: they appear in JSON output and may be matched on. */
export const YamlInputErrorCode = {
  /** The text is longer than `maxBytes`. */
  TooLarge: 'InputTooLarge',
  /** The bytes are not UTF-8. */
  InvalidEncoding: 'InvalidEncoding',
  /** Not YAML: a syntax error, a duplicate key, an unknown tag, an undefined alias. */
  InvalidSyntax: 'InvalidSyntax',
  /** Collections nested deeper than `maxDepth`, aliases included. */
  TooDeep: 'NestingTooDeep',
  /** More than `maxAliases` aliases. */
  TooManyAliases: 'TooManyAliases',
  /** Aliases would add more than `maxAliasExpansionBytes` of data. */
  AliasExpansionTooLarge: 'AliasExpansionTooLarge',
  /** An alias refers to a node that contains it: the data would be infinite. */
  RecursiveAlias: 'RecursiveAlias',
} as const;
export type YamlInputErrorCode = (typeof YamlInputErrorCode)[keyof typeof YamlInputErrorCode];

/** One refused input: a code, a lowercase message without location, and where it is when known. */
export interface YamlInputError {
  code: YamlInputErrorCode;
  message: string;
  /** 1-based line of the problem. */
  line?: number;
  /** 1-based column of the problem. */
  column?: number;
}

/** The bounds an input must stay within. */
export interface YamlInputLimits {
  /** Length of the text in UTF-8 bytes. */
  maxBytes: number;
  /** Nesting of maps and lists in the data, after aliases are expanded. */
  maxDepth: number;
  /** Aliases (`*name`) in the whole stream. */
  maxAliases: number;
  /**
   * Data the aliases add, summed over the stream and measured as compact JSON: an alias to a
   * 1 KiB list adds 1 KiB each time it is used. Without aliases the data is as large as the text.
   */
  maxAliasExpansionBytes: number;
}

/**
 * The limits used unless a caller passes others. A Kubernetes object is at most about 3 MiB (the
 * API server's request limit) and a Flux bundle file about 100 KiB, so 16 MiB of text leaves room
 * for streams of many documents; Kubernetes manifests nest about 20 levels deep; aliases are rare
 * in Kubernetes YAML, and 1000 of them adding 1 MiB allow every honest use seen.
 */
export const defaultYamlInputLimits: Readonly<YamlInputLimits> = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 100,
  maxAliases: 1000,
  maxAliasExpansionBytes: 1024 * 1024,
};

/** The documents of a stream as plain data (each one a tree: aliases are copied out), or why not. */
export type YamlInputResult = { ok: true; documents: unknown[] } | { ok: false; error: YamlInputError };

/** `12 MiB`, `900 KiB`, `512 bytes`: limits in messages. */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair is one 4-byte character.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** 1-based line of a string offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * The bytes as text, or where they stop being UTF-8. A byte-order mark is kept, so a caller that
 * writes the text back (migrate) keeps every byte; the YAML parser skips it.
 */
export function decodeUtf8Text(
  bytes: Uint8Array,
): { ok: true; text: string } | { ok: false; error: YamlInputError } {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    // Find the first replacement character that the bytes do not spell out (EF BF BD).
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const encoder = new TextEncoder();
    let offset = 0;
    let consumed = 0;
    for (let i = lenient.indexOf('\uFFFD'); i !== -1; i = lenient.indexOf('\uFFFD', i + 1)) {
      offset += encoder.encode(lenient.slice(consumed, i)).length;
      consumed = i;
      if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) break;
    }
    return {
      ok: false,
      error: {
        code: YamlInputErrorCode.InvalidEncoding,
        message: `not UTF-8: invalid byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at byte offset ${offset}`,
        line: lineAt(lenient, consumed),
      },
    };
  }
}

/** A limit crossed while parsing; thrown from the parse listener to stop js-yaml at once. */
class LimitExceeded extends Error {
  constructor(readonly error: YamlInputError) {
    super(error.message);
  }
}

/** What the parse listener knows of a completed collection. */
interface Measure {
  /** Compact JSON size of the data, aliases expanded. */
  size: number;
  /** Nesting levels: 1 for a collection of scalars. */
  height: number;
}

function scalarSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  return String(value).length;
}

/**
 * Follows js-yaml's parse events and enforces the limits. js-yaml reports each node when it is
 * complete ("close"): collections after their children, so a collection's size and height come
 * from its children's in constant work per child. An alias closes with no kind of its own and
 * the aliased value as result; a collection it points to that is not complete yet is an
 * ancestor, which makes the data recursive.
 */
class LimitTracker {
  private readonly measures = new WeakMap<object, Measure>();
  private aliases = 0;
  private aliasBytes = 0;
  /** Whether an alias refers to a map or list, which js-yaml then shares between its uses. */
  sharesCollections = false;

  constructor(private readonly limits: YamlInputLimits) {}

  onClose(state: yaml.State): void {
    const result: unknown = state.result;
    // `kind` and `tag` stay null only for an alias (and for an empty node, whose result is null).
    const isAlias = (state.kind as string | null) === null && (state as { tag?: unknown }).tag === null;
    if (isAlias) {
      if (result !== null && result !== undefined) this.countAlias(result, state);
    } else if (typeof result === 'object' && result !== null) {
      this.measures.set(result, this.measureCollection(result, state));
    }
  }

  /** A complete value's measure; pairs of a flow list (`[a: b]`) are never reported on their own. */
  private measureOf(value: unknown, state: yaml.State): Measure {
    if (typeof value !== 'object' || value === null) return { size: scalarSize(value), height: 0 };
    const known = this.measures.get(value);
    if (known) return known;
    const measure = this.measureCollection(value, state);
    this.measures.set(value, measure);
    return measure;
  }

  private measureCollection(collection: object, state: yaml.State): Measure {
    let size = 2;
    let height = 0;
    const add = (child: Measure, keyLength: number) => {
      size += child.size + 1 + keyLength;
      if (child.height > height) height = child.height;
    };
    if (Array.isArray(collection)) {
      for (const item of collection as unknown[]) add(this.measureOf(item, state), 0);
    } else {
      const record = collection as Record<string, unknown>;
      for (const key of Object.keys(record)) add(this.measureOf(record[key], state), key.length + 3);
    }
    if (height + 1 > this.limits.maxDepth) {
      throw this.exceeded(
        state,
        YamlInputErrorCode.TooDeep,
        `nested deeper than ${this.limits.maxDepth} levels`,
      );
    }
    return { size, height: height + 1 };
  }

  private countAlias(target: unknown, state: yaml.State): void {
    if (typeof target === 'object' && target !== null && !this.measures.has(target)) {
      throw this.exceeded(
        state,
        YamlInputErrorCode.RecursiveAlias,
        'an alias refers to a node that contains it',
      );
    }
    this.aliases++;
    if (typeof target === 'object' && target !== null) this.sharesCollections = true;
    this.aliasBytes += this.measureOf(target, state).size;
    if (this.aliases > this.limits.maxAliases) {
      throw this.exceeded(
        state,
        YamlInputErrorCode.TooManyAliases,
        `more than ${this.limits.maxAliases} aliases`,
      );
    }
    if (this.aliasBytes > this.limits.maxAliasExpansionBytes) {
      throw this.exceeded(
        state,
        YamlInputErrorCode.AliasExpansionTooLarge,
        `aliases expand to more than ${formatBytes(this.limits.maxAliasExpansionBytes)} of data`,
      );
    }
  }

  private exceeded(state: yaml.State, code: YamlInputErrorCode, message: string): LimitExceeded {
    return new LimitExceeded({
      code,
      message,
      line: state.line + 1,
      column: state.position - state.lineStart + 1,
    });
  }
}

/** A copy of parsed data in which every alias is its own copy, so consumers may change it freely. */
function copyTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyTree);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties: a `__proto__` key stays data, never a prototype.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, copyTree(child)]));
}

function syntaxError(err: unknown, limits: YamlInputLimits): YamlInputError {
  if (!(err instanceof yaml.YAMLException)) {
    // js-yaml turning a key into a string can exceed the engine's string length.
    return { code: YamlInputErrorCode.InvalidSyntax, message: 'cannot parse YAML: input too complex' };
  }
  // `reason` without the snippet: the snippet quotes input, which may hold control characters.
  const location = { line: err.mark.line + 1, column: err.mark.column + 1 };
  if (err.reason.startsWith('nesting exceeded maxDepth')) {
    return {
      code: YamlInputErrorCode.TooDeep,
      message: `nested deeper than ${limits.maxDepth} levels`,
      ...location,
    };
  }
  return { code: YamlInputErrorCode.InvalidSyntax, message: err.reason, ...location };
}

/**
 * Parses a YAML or JSON stream from an untrusted source within `limits` (defaults:
 * defaultYamlInputLimits). Bytes must be UTF-8; a string is taken as it is. Documents are plain
 * data (YAML 1.2 core schema: strings stay strings, no timestamps, no merge keys, duplicate keys
 * refused, as Kubernetes reads YAML) and trees: an alias becomes a copy. Never throws.
 */
export function decodeYamlInput(
  input: string | Uint8Array,
  limits: Partial<YamlInputLimits> = {},
): YamlInputResult {
  const bounds: YamlInputLimits = { ...defaultYamlInputLimits, ...limits };
  const bytes = typeof input === 'string' ? utf8Length(input) : input.length;
  if (bytes > bounds.maxBytes) {
    return {
      ok: false,
      error: {
        code: YamlInputErrorCode.TooLarge,
        message: `input is larger than the limit of ${formatBytes(bounds.maxBytes)}`,
      },
    };
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    const decoded = decodeUtf8Text(input);
    if (!decoded.ok) return decoded;
    text = decoded.text;
  }
  const tracker = new LimitTracker(bounds);
  const options: yaml.LoadOptions & { maxDepth: number } = {
    schema: yaml.CORE_SCHEMA,
    // js-yaml counts scalars as a level too; the tracker checks collections exactly.
    maxDepth: bounds.maxDepth + 1,
    listener: (event, state) => {
      if (event === 'close') tracker.onClose(state);
    },
  };
  try {
    const documents = yaml.loadAll(text, null, options);
    return { ok: true, documents: tracker.sharesCollections ? documents.map(copyTree) : documents };
  } catch (err) {
    return { ok: false, error: err instanceof LimitExceeded ? err.error : syntaxError(err, bounds) };
  }
}

/** `line 3, column 7: duplicated mapping key`: an input error for messages. */
export function formatYamlInputError(error: YamlInputError): string {
  if (error.line === undefined) return error.message;
  return `line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''}: ${error.message}`;
}
