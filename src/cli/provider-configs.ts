import { extensionType, fluxConfigApiVersion, fluxConfigKind } from '../api/constants.js';
import type { NamedResourceReference } from '../api/types.js';
import type { CliContext, CliIo } from './cli-io.js';
import { InputError, InputErrorCode, readInputDocuments, type InputDocuments } from './config-input.js';
import { renderTextLines } from './text-output.js';
import { findShootFluxExtensions, isShootDocument, readShootResources } from '../gardener/shoot.js';
import { isRecord } from '../api/is-record.js';

// TODO(#5): take these from src/gardener/constants.ts once the controller issue lands there.
const extensionApiVersion = 'extensions.gardener.cloud/v1alpha1';
const shootApiVersion = 'core.gardener.cloud/v1beta1';

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

/** What the CLI accepts, for the message that says a document is none of it. */
const acceptedDocuments =
  `${fluxConfigKind} (${fluxConfigApiVersion}), Extension (${extensionApiVersion}) of type ${extensionType}, ` +
  `Shoot (${shootApiVersion}) with a spec.extensions[] entry of type ${extensionType}`;

/** The shoot-flux providerConfigs of one document (none for other kinds or extension types). */
export function findProviderConfigs(
  content: unknown,
  name: string,
  documentIndex: number,
): ProviderConfigInput[] {
  if (!isRecord(content)) return [];
  const source = `${name}#${documentIndex}`;
  const spec = isRecord(content.spec) ? content.spec : {};
  if (content.kind === fluxConfigKind) {
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

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  // JSON.stringify returns undefined for undefined, despite its declared type.
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'null';
}

/** Why a document holds no providerConfig: its kind, or what it is instead of an object. */
function describeDocument(content: unknown): string {
  if (content === null || content === undefined) return 'is empty';
  if (Array.isArray(content)) return 'is a list, not an object';
  if (!isRecord(content)) return `is ${describeValue(content)}, not an object`;
  if (content.kind === undefined) return 'has no kind';
  const apiVersion = content.apiVersion === undefined ? 'no apiVersion' : describeValue(content.apiVersion);
  const spec = isRecord(content.spec) ? content.spec : {};
  if (content.kind === 'Extension' && content.apiVersion === extensionApiVersion) {
    return `is an Extension of type ${describeValue(spec.type)}`;
  }
  if (content.kind === 'Shoot' && content.apiVersion === shootApiVersion) {
    return `is a Shoot without an extension of type ${extensionType}`;
  }
  return `has kind ${describeValue(content.kind)} (${apiVersion})`;
}

const maxDescribedDocuments = 10;

/** The InputError for input without a providerConfig: which document is what, and what is accepted. */
export function buildNothingToCheckError(inputs: readonly InputDocuments[]): InputError {
  const described = inputs.flatMap(({ name, documents }) =>
    documents.length === 0
      ? [`${name} holds no document`]
      : documents.map((document, i) => `${name}#${i} ${describeDocument(document)}`),
  );
  const shown = described.slice(0, maxDescribedDocuments);
  if (described.length > shown.length) shown.push(`${described.length - shown.length} more`);
  const found = shown.length > 0 ? shown.join('; ') : 'no input file';
  return new InputError(
    InputErrorCode.NothingToCheck,
    `no shoot-flux providerConfig found: ${found}; accepted: ${acceptedDocuments}`,
    inputs.length === 1 && inputs[0] ? { source: inputs[0].name } : {},
  );
}

/** One entry of the input in order: a providerConfig, or a file that could not be read. */
export type ProviderConfigItem = ProviderConfigInput | InputError;

/**
 * Reads every `-f` file and returns its providerConfigs in input order, a file that cannot be
 * read or parsed as an InputError in its place; when nothing at all is found, one InputError
 * that says which document has which kind.
 */
export async function readProviderConfigs(
  files: readonly string[],
  io: CliIo,
): Promise<ProviderConfigItem[]> {
  const read = await readInputDocuments(files, io);
  const items = read.flatMap((entry): ProviderConfigItem[] =>
    entry instanceof InputError
      ? [entry]
      : entry.documents.flatMap((document, i) => findProviderConfigs(document, entry.name, i)),
  );
  if (items.length > 0) return items;
  return [
    buildNothingToCheckError(read.filter((entry): entry is InputDocuments => !(entry instanceof InputError))),
  ];
}

/**
 * Every providerConfig of the input, for commands that need all of it (render,
 * install-manifests): when a file cannot be read or parsed, each such error is printed, the exit
 * code is 2 and the result undefined.
 */
export async function readEveryProviderConfig(
  files: readonly string[],
  context: CliContext,
): Promise<ProviderConfigInput[] | undefined> {
  const items = await readProviderConfigs(files, context.io);
  const errors = items.filter((item): item is InputError => item instanceof InputError);
  if (errors.length === 0) return items as ProviderConfigInput[];
  context.io.stderr.write(renderTextLines(errors.map((error) => `error: ${error.message}`)));
  context.exitCode = 2;
  return undefined;
}
