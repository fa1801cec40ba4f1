import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import {
  decodeYamlInput,
  defaultYamlInputLimits,
  formatYamlInputError,
  YamlInputErrorCode,
} from '../api/yaml-input.js';
import type { CliIo } from './cli-io.js';

/** Why input is unusable, besides the YAML reader's own codes. */
export const InputErrorCode = {
  ...YamlInputErrorCode,
  /** The file, directory or standard input cannot be read. */
  Unreadable: 'Unreadable',
  /** The result cannot be written (`migrate --write`); the file is unchanged. */
  Unwritable: 'Unwritable',
  /** The input holds no document to check. */
  NothingToCheck: 'NothingToCheck',
  /** The flags ask for something impossible (`--write` on standard input). */
  Usage: 'UsageError',
} as const;
export type InputErrorCode = (typeof InputErrorCode)[keyof typeof InputErrorCode];

/** Where in the input an InputError is, for JSON output. */
export interface InputErrorLocation {
  /** The name the input is reported under: a path, or `stdin`. */
  source?: string;
  line?: number;
  column?: number;
}

/** Input that cannot be read or parsed (exit code 2); `code` says why, for JSON output. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
    readonly location: InputErrorLocation = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One file to read: a `-f` argument, a file of a `-f` directory, or `-` for standard input. */
export interface InputFile {
  /** What to open; `-` is standard input. */
  path: string;
  /** The name results are reported under: the path as given (joined for a directory), or `stdin`. */
  name: string;
}

/** A directory's files that `-f DIR` reads, as kubectl does: these extensions, not recursive. */
const inputFilePattern = /\.(ya?ml|json)$/i;

/** The bytes of a stream, stopping once they exceed `maxBytes` (nothing more is read). */
async function readBounded(
  stream: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += bytes.length;
    chunks.push(bytes);
    if (total > maxBytes) break;
  }
  return Buffer.concat(chunks);
}

/** The name `-f FILE` is reported under: `stdin` for `-`. */
export function inputName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

function unreadable(file: string, err: unknown): InputError {
  const what = file === '-' ? 'standard input' : file;
  return new InputError(InputErrorCode.Unreadable, `cannot read ${what}: ${(err as Error).message}`, {
    source: inputName(file),
  });
}

/**
 * The files that `-f` values name, in order: a file as it is, a directory as its `*.yaml`,
 * `*.yml` and `*.json` files sorted by name, `-` as standard input (once only). A value that
 * cannot be read is an InputError in its place, so the other files are still checked.
 */
export async function expandInputFiles(files: readonly string[]): Promise<(InputFile | InputError)[]> {
  if (files.filter((file) => file === '-').length > 1) {
    throw new InputError(InputErrorCode.Usage, 'standard input (-f -) can be read only once');
  }
  const expanded: (InputFile | InputError)[] = [];
  for (const file of files) {
    if (file === '-') {
      expanded.push({ path: '-', name: 'stdin' });
      continue;
    }
    try {
      if (!(await stat(file)).isDirectory()) {
        expanded.push({ path: file, name: file });
        continue;
      }
      const names = (await readdir(file)).filter((name) => inputFilePattern.test(name)).sort();
      for (const name of names) {
        const entry = path.join(file, name);
        // A subdirectory named like a file is skipped, as kubectl skips it without -R.
        if ((await stat(entry)).isFile()) expanded.push({ path: entry, name: entry });
      }
    } catch (err) {
      expanded.push(unreadable(file, err));
    }
  }
  return expanded;
}

/**
 * The bytes of a file (`-` is standard input), at most the YAML reader's input limit plus one
 * chunk (so the reader reports the limit); fifos such as `<(kubectl get …)` work like files.
 */
export async function readInputBytes(file: string, io: CliIo): Promise<Buffer> {
  const limit = defaultYamlInputLimits.maxBytes;
  try {
    return file === '-'
      ? await readBounded(io.stdin, limit)
      : await readBounded(createReadStream(file, { highWaterMark: 1024 * 1024 }), limit);
  } catch (err) {
    throw unreadable(file, err);
  }
}

/** Every document of a YAML or JSON stream as plain data, within the reader's limits. */
export function decodeInputDocuments(input: string | Uint8Array, name: string): unknown[] {
  const result = decodeYamlInput(input);
  if (!result.ok) {
    const { code, line, column } = result.error;
    throw new InputError(code, `${name}: cannot read YAML: ${formatYamlInputError(result.error)}`, {
      source: name,
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
    });
  }
  return result.documents;
}

/** The documents of one input file. */
export interface InputDocuments {
  name: string;
  documents: unknown[];
}

/** Reads and parses every file of `-f`, in order; one that fails is an InputError in its place. */
export async function readInputDocuments(
  files: readonly string[],
  io: CliIo,
): Promise<(InputDocuments | InputError)[]> {
  const results: (InputDocuments | InputError)[] = [];
  for (const file of await expandInputFiles(files)) {
    if (file instanceof InputError) {
      results.push(file);
      continue;
    }
    try {
      const bytes = await readInputBytes(file.path, io);
      results.push({ name: file.name, documents: decodeInputDocuments(bytes, file.name) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      results.push(err);
    }
  }
  return results;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `-f, --filename`: repeatable, each a file, a directory or `-`. Not a commander-required option:
 * commander checks those before unknown options, which would hide its "did you mean" for a
 * misspelt flag behind "required option not specified"; requireInputFiles checks it instead.
 */
export function buildFilenameOption(what = 'FluxConfig, Extension or Shoot documents'): Option {
  return new Option(
    '-f, --filename <file>',
    `YAML or JSON file with ${what}, a directory (its *.yaml, *.yml and *.json files), or "-" for standard input; repeatable`,
  ).argParser(collect);
}

/** The `-f` values, or the usage error commander would print for a missing required option. */
export function requireInputFiles(files: readonly string[] | undefined): readonly string[] {
  if (files === undefined || files.length === 0) {
    throw new InputError(InputErrorCode.Usage, "required option '-f, --filename <file>' not specified");
  }
  return files;
}
