import { readFileSync } from 'node:fs';
import { parseAllDocuments, type Document } from 'yaml';
import { extensionType } from '../api/constants.js';
import type { NamedResourceReference } from '../api/types.js';
import { findShootFluxExtensions, isShootDocument, readShootResources } from '../gardener/shoot.js';

// TODO(#5): take this from src/gardener/constants.ts once the controller issue lands there.
const extensionApiVersion = 'extensions.gardener.cloud/v1alpha1';

/** The kinds of document a providerConfig is found in. */
export type ConfigDocumentKind = 'FluxConfig' | 'Extension' | 'Shoot';

/** One shoot-flux providerConfig found in the input. */
export interface ProviderConfigInput {
  /** `FILE#DOC_INDEX` (0-based), `stdin#N` for standard input. */
  source: string;
  kind: ConfigDocumentKind;
  /** Index of the document in the stream. */
  documentIndex: number;
  /** Path of the providerConfig inside its document, for editing it in place. */
  nodePath: (string | number)[];
  /** Printed prefix of field paths: `spec.providerConfig`, `spec.extensions[i].providerConfig` or ``. */
  pathPrefix: string;
  providerConfig: unknown;
  /** The Shoot's `spec.resources`, for a Shoot document only. */
  shootResources?: NamedResourceReference[];
}

/** Input that cannot be read or parsed (exit code 2). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** The text of `-f FILE` (`-` is standard input) and the name it is reported under. */
export function readInputText(file: string): { name: string; text: string } {
  try {
    return file === '-'
      ? { name: 'stdin', text: readFileSync(0, 'utf8') }
      : { name: file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    throw new InputError(`cannot read ${file === '-' ? 'standard input' : file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Every document of a YAML stream, keeping comments and source ranges; a syntax error is an InputError. */
export function parseYamlDocuments(text: string, name: string): Document.Parsed[] {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return [];
  documents.forEach((document, i) => {
    const [first] = document.errors;
    if (first) throw new InputError(`${name}#${i}: cannot parse YAML: ${first.message}`);
  });
  return documents;
}

/** A document as plain data; alias bombs and other conversion failures are InputErrors. */
export function toPlainData(document: Document.Parsed, source: string): unknown {
  try {
    return document.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new InputError(`${source}: cannot read document: ${(err as Error).message}`, { cause: err });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The shoot-flux providerConfigs of one document (none for other kinds or extension types). */
export function findProviderConfigs(
  content: unknown,
  name: string,
  documentIndex: number,
): ProviderConfigInput[] {
  if (!isObject(content)) return [];
  const source = `${name}#${documentIndex}`;
  const spec = isObject(content.spec) ? content.spec : {};
  if (content.kind === 'FluxConfig') {
    return [
      { source, kind: 'FluxConfig', documentIndex, nodePath: [], pathPrefix: '', providerConfig: content },
    ];
  }
  if (content.apiVersion === extensionApiVersion && content.kind === 'Extension') {
    if (spec.type !== extensionType) return [];
    return [
      {
        source,
        kind: 'Extension',
        documentIndex,
        nodePath: ['spec', 'providerConfig'],
        pathPrefix: 'spec.providerConfig',
        providerConfig: spec.providerConfig,
      },
    ];
  }
  if (isShootDocument(content)) {
    const shootResources = readShootResources(content);
    return findShootFluxExtensions(content).map((extension) => ({
      source,
      kind: 'Shoot',
      documentIndex,
      nodePath: ['spec', 'extensions', extension.index, 'providerConfig'],
      pathPrefix: extension.fieldPath,
      providerConfig: extension.providerConfig,
      shootResources,
    }));
  }
  return [];
}

/** Reads `-f FILE|-` and returns every providerConfig in it; InputError when there is nothing to check. */
export function readProviderConfigs(file: string): ProviderConfigInput[] {
  const { name, text } = readInputText(file);
  const inputs = parseYamlDocuments(text, name).flatMap((document, i) =>
    findProviderConfigs(toPlainData(document, `${name}#${i}`), name, i),
  );
  if (inputs.length === 0) {
    throw new InputError(
      `${name}: no FluxConfig, shoot-flux Extension or Shoot with a shoot-flux extension found`,
    );
  }
  return inputs;
}
