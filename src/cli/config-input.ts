import { createReadStream } from 'node:fs';
import { extensionType } from '../api/constants.js';
import { decodeNamedResourceReferences } from '../api/shoot-resources.js';
import type { NamedResourceReference } from '../api/types.js';
import {
  decodeYamlInput,
  defaultYamlInputLimits,
  formatYamlInputError,
  YamlInputErrorCode,
} from '../api/yaml-input.js';
import type { CliIo } from './cli-io.js';

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

/** Why input is unusable, besides the YAML reader's own codes. */
export const InputErrorCode = {
  ...YamlInputErrorCode,
  /** The file or standard input cannot be read. */
  Unreadable: 'Unreadable',
  /** The result cannot be written (`migrate --write`); the file is unchanged. */
  Unwritable: 'Unwritable',
  /** The input holds no document to check. */
  NothingToCheck: 'NothingToCheck',
  /** The flags ask for something impossible (`--write` on standard input). */
  Usage: 'UsageError',
} as const;
export type InputErrorCode = (typeof InputErrorCode)[keyof typeof InputErrorCode];

/** Input that cannot be read or parsed (exit code 2); `code` says why, for JSON output. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The bytes of a stream, refused once they exceed `maxBytes` (nothing more is read). */
async function readBounded(
  stream: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += bytes.length;
    if (total > maxBytes) return Buffer.concat([...chunks, bytes]);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The name `-f FILE` is reported under: `stdin` for `-`. */
export function inputName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

/**
 * The bytes of `-f FILE` (`-` is standard input), at most the YAML reader's input limit plus one
 * byte (so the reader reports the limit); fifos such as `<(kubectl get …)` work like files.
 */
export async function readInputBytes(file: string, io: CliIo): Promise<Buffer> {
  const limit = defaultYamlInputLimits.maxBytes;
  try {
    return file === '-'
      ? await readBounded(io.stdin, limit)
      : await readBounded(createReadStream(file, { highWaterMark: 1024 * 1024 }), limit);
  } catch (err) {
    throw new InputError(
      InputErrorCode.Unreadable,
      `cannot read ${file === '-' ? 'standard input' : file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Every document of a YAML or JSON stream as plain data, within the reader's limits. */
export function decodeInputDocuments(input: string | Uint8Array, name: string): unknown[] {
  const result = decodeYamlInput(input);
  if (!result.ok) {
    throw new InputError(
      result.error.code,
      `${name}: cannot read YAML: ${formatYamlInputError(result.error)}`,
    );
  }
  return result.documents;
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
  if (content.apiVersion === shootApiVersion && content.kind === 'Shoot') {
    const extensions = Array.isArray(spec.extensions) ? (spec.extensions as unknown[]) : [];
    const shootResources = decodeNamedResourceReferences(spec.resources);
    return extensions.flatMap((extension, i): ProviderConfigInput[] =>
      isObject(extension) && extension.type === extensionType
        ? [
            {
              source,
              kind: 'Shoot',
              documentIndex,
              nodePath: ['spec', 'extensions', i, 'providerConfig'],
              pathPrefix: `spec.extensions[${i}].providerConfig`,
              providerConfig: extension.providerConfig,
              shootResources,
            },
          ]
        : [],
    );
  }
  return [];
}

/** Every providerConfig of a stream's documents; InputError when there is nothing to check. */
export function findAllProviderConfigs(documents: readonly unknown[], name: string): ProviderConfigInput[] {
  const inputs = documents.flatMap((document, i) => findProviderConfigs(document, name, i));
  if (inputs.length === 0) {
    throw new InputError(
      InputErrorCode.NothingToCheck,
      `${name}: no FluxConfig, shoot-flux Extension or Shoot with a shoot-flux extension found`,
    );
  }
  return inputs;
}

/** Reads `-f FILE|-` and returns every providerConfig in it; InputError when there is nothing to check. */
export async function readProviderConfigs(file: string, io: CliIo): Promise<ProviderConfigInput[]> {
  const name = inputName(file);
  return findAllProviderConfigs(decodeInputDocuments(await readInputBytes(file, io), name), name);
}
