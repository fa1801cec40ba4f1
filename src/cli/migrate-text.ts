// The text edit behind `migrate`: the providerConfigs of a YAML stream brought into the current
// format by replacing or inserting only the text of the fields that change.
import { isMap, isScalar, parseAllDocuments, Scalar, type Document, type Pair, type YAMLMap } from 'yaml';
import { buildSourceTemplateMigration, type SourceTemplateMigration } from '../api/migration.js';
import { decodeInputDocuments, InputError, InputErrorCode } from './config-input.js';
import { findProviderConfigs, type ProviderConfigInput } from './provider-configs.js';

/** A replacement of `text[start, end)`; edits never overlap. */
interface TextEdit {
  start: number;
  end: number;
  text: string;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The line break of the line at `offset` (CRLF files stay CRLF), else of the line before. */
function lineBreakAt(text: string, offset: number): string {
  let newline = text.indexOf('\n', offset);
  if (newline === -1) newline = text.lastIndexOf('\n', offset);
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** A scalar rendered in the quoting style of `like`, so a quoted value stays quoted. */
function renderScalar(value: string, like: Scalar.Type | undefined): string {
  if (like === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (like === Scalar.QUOTE_SINGLE) return `'${value}'`;
  return value;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

/**
 * The edit that sets the value of an existing entry (`kind: ""`, `kind: null`, `kind:`), so no
 * second entry of the same key is added; undefined when the value is not a plain scalar to
 * replace (an alias, a tag, a collection).
 */
function replaceValue(text: string, pair: Pair, value: string): TextEdit | undefined {
  const node = pair.value;
  if (!isScalar(node) || node.tag !== undefined || !node.range) return undefined;
  const [start, end] = node.range;
  if (start !== end) return { start, end, text: renderScalar(value, node.type) };
  // An empty value: `kind:` needs a space after the colon, `kind: # c` one before the comment.
  const before = text[start - 1] === ':' ? ' ' : '';
  const after = text[start] === '#' ? ' ' : '';
  return { start, end, text: `${before}${value}${after}` };
}

/** Inserts entries as the first entries of a template map, in its own style. */
function insertEntries(text: string, template: YAMLMap, entries: [string, string][]): TextEdit | undefined {
  const firstKey = template.items[0]?.key;
  const keyStyle = isScalar(firstKey) ? firstKey.type : undefined;
  const rendered = entries.map(
    ([key, value]) => `${renderScalar(key, keyStyle)}: ${renderScalar(value, keyStyle)}`,
  );
  if (template.flow === true) {
    const open = template.range?.[0];
    if (open === undefined) return undefined;
    const rest = template.items.length > 0 ? ', ' : '';
    return { start: open + 1, end: open + 1, text: `${rendered.join(', ')}${rest}` };
  }
  const at = isScalar(firstKey) ? firstKey.range?.[0] : undefined;
  if (at === undefined) return undefined;
  const separator = `${lineBreakAt(text, at)}${' '.repeat(columnOf(text, at))}`;
  return { start: at, end: at, text: `${rendered.join(separator)}${separator}` };
}

/** The text edits that apply one migration to the template node of a document. */
function buildTemplateEdits(
  text: string,
  document: Document.Parsed,
  input: ProviderConfigInput,
  migration: SourceTemplateMigration,
): TextEdit[] | undefined {
  const template: unknown = document.getIn([...input.nodePath, 'source', 'template'], true);
  if (!isMap(template)) return undefined;
  const fields: [string, string][] = [['apiVersion', migration.apiVersion]];
  if (migration.kind !== undefined) fields.push(['kind', migration.kind]);
  const edits: TextEdit[] = [];
  const missing: [string, string][] = [];
  for (const [key, value] of fields) {
    const pair = findPair(template, key);
    if (pair === undefined) {
      missing.push([key, value]);
      continue;
    }
    const edit = replaceValue(text, pair, value);
    if (edit === undefined) return undefined;
    edits.push(edit);
  }
  if (missing.length > 0) {
    const edit = insertEntries(text, template, missing);
    if (edit === undefined) return undefined;
    edits.push(edit);
  }
  return edits;
}

function describeMigration(migration: SourceTemplateMigration): string {
  return migration.kind !== undefined
    ? `added apiVersion ${migration.apiVersion} and kind ${migration.kind} to a legacy source template`
    : `converted the OCIRepository template to ${migration.apiVersion}`;
}

/**
 * The YAML documents of a stream: their values as the controller reads them (the bounded js-yaml
 * reader, which refuses alias bombs, deep nesting and duplicate keys) and their source ranges,
 * which only the `yaml` package keeps and an in-place edit needs. What to migrate is decided on
 * the values, so `migrate` sees what the controller will see; `yaml` only locates the text. It
 * runs without its own duplicate-key check (the reader did it), which compares every key with
 * every other (quadratic: 20k keys took seconds).
 */
function parseEditableDocuments(
  text: string,
  name: string,
): { values: unknown[]; documents: Document.Parsed[] } {
  const values = decodeInputDocuments(text, name);
  const documents = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(documents)) return { values, documents: [] };
  documents.forEach((document, i) => {
    const [first] = document.errors;
    if (first)
      throw new InputError(InputErrorCode.InvalidSyntax, `${name}#${i}: cannot parse YAML: ${first.message}`);
  });
  return { values, documents };
}

/** The migrated text of a YAML stream, and a line per change; everything not migrated stays byte for byte. */
export function migrateText(text: string, name: string): { text: string; changes: string[] } {
  const edits: TextEdit[] = [];
  const changes: string[] = [];
  const { values, documents } = parseEditableDocuments(text, name);
  // Both readers split a stream into the same documents (a stream of only comments is one null
  // document to js-yaml and none to `yaml`: nothing to migrate either way).
  documents.forEach((document, i) => {
    for (const input of findProviderConfigs(values[i], name, i)) {
      const migration = buildSourceTemplateMigration(input.providerConfig);
      if (migration === undefined) continue;
      const templateEdits = buildTemplateEdits(text, document, input, migration);
      const field = [input.pathPrefix, 'source.template'].filter((p) => p !== '').join('.');
      if (templateEdits === undefined) {
        changes.push(
          `${input.source} (${input.kind}): ${field}: cannot migrate this YAML node (alias, tag or collection); edit it by hand`,
        );
        continue;
      }
      edits.push(...templateEdits);
      changes.push(`${input.source} (${input.kind}): ${field}: ${describeMigration(migration)}`);
    }
  });
  let migrated = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    migrated = migrated.slice(0, edit.start) + edit.text + migrated.slice(edit.end);
  }
  return { text: migrated, changes };
}
