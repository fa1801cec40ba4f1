import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { isMap, isScalar, Scalar, type Document, type YAMLMap } from 'yaml';
import { buildSourceTemplateMigration, type SourceTemplateMigration } from '../../api/migration.js';
import {
  findProviderConfigs,
  InputError,
  parseYamlDocuments,
  readInputText,
  toPlainData,
  type ProviderConfigInput,
} from '../config-input.js';
import { checkProviderConfig, formatCheckLines } from './validate.js';

/** A replacement of `text[start, end)`; edits never overlap. */
interface TextEdit {
  start: number;
  end: number;
  text: string;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** A scalar rendered in the quoting style of `like`, so a quoted value stays quoted. */
function renderScalar(value: string, like: Scalar.Type | undefined): string {
  if (like === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (like === Scalar.QUOTE_SINGLE) return `'${value}'`;
  return value;
}

/** Inserts apiVersion and kind as the first entries of a template map, in its own style. */
function insertTypeMeta(
  text: string,
  template: YAMLMap,
  apiVersion: string,
  kind: string,
): TextEdit | undefined {
  const firstKey = template.items[0]?.key;
  const keyStyle = isScalar(firstKey) ? firstKey.type : undefined;
  const entry = (key: string, value: string) =>
    `${renderScalar(key, keyStyle)}: ${renderScalar(value, keyStyle)}`;
  if (template.flow === true) {
    const open = template.range?.[0];
    if (open === undefined) return undefined;
    const rest = template.items.length > 0 ? ', ' : '';
    return {
      start: open + 1,
      end: open + 1,
      text: `${entry('apiVersion', apiVersion)}, ${entry('kind', kind)}${rest}`,
    };
  }
  const at = isScalar(firstKey) ? firstKey.range?.[0] : undefined;
  if (at === undefined) return undefined;
  const indent = ' '.repeat(columnOf(text, at));
  return {
    start: at,
    end: at,
    text: `${entry('apiVersion', apiVersion)}\n${indent}${entry('kind', kind)}\n${indent}`,
  };
}

/** The text edit that applies one migration to the template node of a document. */
function buildTemplateEdit(
  text: string,
  document: Document.Parsed,
  input: ProviderConfigInput,
  migration: SourceTemplateMigration,
): TextEdit | undefined {
  const template: unknown = document.getIn([...input.nodePath, 'source', 'template'], true);
  if (!isMap(template)) return undefined;
  if (migration.kind !== undefined)
    return insertTypeMeta(text, template, migration.apiVersion, migration.kind);
  const apiVersion = template.get('apiVersion', true);
  const range = isScalar(apiVersion) ? apiVersion.range : undefined;
  if (!isScalar(apiVersion) || !range) return undefined;
  return { start: range[0], end: range[1], text: renderScalar(migration.apiVersion, apiVersion.type) };
}

function describeMigration(migration: SourceTemplateMigration): string {
  return migration.kind !== undefined
    ? `added apiVersion ${migration.apiVersion} and kind ${migration.kind} to a legacy source template`
    : `converted the OCIRepository template to ${migration.apiVersion}`;
}

/** The migrated text of a YAML stream, and a line per change; everything not migrated stays byte for byte. */
export function migrateText(text: string, name: string): { text: string; changes: string[] } {
  const edits: TextEdit[] = [];
  const changes: string[] = [];
  parseYamlDocuments(text, name).forEach((document, i) => {
    for (const input of findProviderConfigs(toPlainData(document, `${name}#${i}`), name, i)) {
      const migration = buildSourceTemplateMigration(input.providerConfig);
      if (migration === undefined) continue;
      const edit = buildTemplateEdit(text, document, input, migration);
      const field = [input.pathPrefix, 'source.template'].filter((p) => p !== '').join('.');
      if (edit === undefined) {
        changes.push(
          `${input.source} (${input.kind}): ${field}: cannot migrate this YAML node (alias or tag); edit it by hand`,
        );
        continue;
      }
      edits.push(edit);
      changes.push(`${input.source} (${input.kind}): ${field}: ${describeMigration(migration)}`);
    }
  });
  let migrated = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    migrated = migrated.slice(0, edit.start) + edit.text + migrated.slice(edit.end);
  }
  return { text: migrated, changes };
}

/** `migrate`: rewrite every shoot-flux providerConfig into the current format. */
export function buildMigrateCommand(): Command {
  return new Command('migrate')
    .description('rewrite shoot-flux providerConfigs into the current format, keeping comments and layout')
    .requiredOption('-f, --filename <file>', 'YAML file with one or more documents, "-" for standard input')
    .option('--write', 'rewrite the file in place instead of printing to standard output', false)
    .exitOverride()
    .action((options: { filename: string; write: boolean }) => {
      if (options.write && options.filename === '-')
        throw new InputError('--write needs a file, not standard input');
      const { name, text } = readInputText(options.filename);
      const migrated = migrateText(text, name);
      const checks = parseYamlDocuments(migrated.text, name)
        .flatMap((document, i) => findProviderConfigs(toPlainData(document, `${name}#${i}`), name, i))
        .map(checkProviderConfig);
      if (checks.length === 0) {
        throw new InputError(
          `${name}: no FluxConfig, shoot-flux Extension or Shoot with a shoot-flux extension found`,
        );
      }
      const report = [...migrated.changes, ...checks.flatMap(formatCheckLines)];
      if (report.length > 0) process.stderr.write(`${report.join('\n')}\n`);
      if (options.write) {
        if (migrated.text !== text) writeFileSync(options.filename, migrated.text);
      } else {
        process.stdout.write(migrated.text);
      }
      process.exitCode = checks.every((check) => check.valid) ? 0 : 1;
    });
}
