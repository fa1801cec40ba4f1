import { Command } from 'commander';
import { decodeUtf8Text } from '../../api/yaml-input.js';
import { writeFileAtomically } from '../atomic-write.js';
import type { CliContext } from '../cli-io.js';
import {
  buildFilenameOption,
  decodeInputDocuments,
  expandInputFiles,
  InputError,
  InputErrorCode,
  readInputBytes,
  requireInputFiles,
  type InputDocuments,
  type InputFile,
} from '../config-input.js';
import { addHelpSections } from '../help-text.js';
import { buildNothingToCheckError, findProviderConfigs } from '../provider-configs.js';
import { renderTextLines } from '../text-output.js';
import { checkProviderConfig, formatCheckLines, type ProviderConfigCheck } from './validate.js';

/** The input as text; bytes that are not UTF-8 are refused before anything is changed. */
function decodeMigrateInput(bytes: Uint8Array, name: string): string {
  const decoded = decodeUtf8Text(bytes);
  if (!decoded.ok) {
    const line = decoded.error.line ?? 1;
    throw new InputError(
      decoded.error.code,
      `${name}: ${decoded.error.message} (line ${line}); migrate edits UTF-8 text only`,
      { source: name, line },
    );
  }
  return decoded.text;
}

/** What migrating one file did. */
interface FileMigration {
  /** The migrated text, as written or printed. */
  text: string;
  changes: string[];
  checks: ProviderConfigCheck[];
  /** The migrated documents, to say what they are when no file holds a providerConfig. */
  documents: InputDocuments;
}

/** Migrates one file, validates the result and, with `write`, replaces the file when it changed. */
async function migrateFile(file: InputFile, write: boolean, context: CliContext): Promise<FileMigration> {
  const text = decodeMigrateInput(await readInputBytes(file.path, context.io), file.name);
  // Loaded here, not at start: the `yaml` package (the one reader that keeps comments and layout
  // for an in-place edit) is needed by no other command, the controller included.
  const { migrateText } = await import('../migrate-text.js');
  const migrated = migrateText(text, file.name);
  const documents = decodeInputDocuments(migrated.text, file.name);
  const checks = documents
    .flatMap((document, i) => findProviderConfigs(document, file.name, i))
    .map(checkProviderConfig);
  if (write && migrated.text !== text) {
    try {
      await writeFileAtomically(file.path, Buffer.from(migrated.text, 'utf8'));
    } catch (err) {
      throw new InputError(
        InputErrorCode.Unwritable,
        `cannot write ${file.name}: ${(err as Error).message}; the file is unchanged`,
        { source: file.name },
        { cause: err },
      );
    }
  }
  return {
    text: migrated.text,
    changes: migrated.changes,
    checks,
    documents: { name: file.name, documents },
  };
}

/** Several files as one stream on standard output, kubectl style: `---` between them. */
function joinStreams(texts: readonly string[]): string {
  return texts.map((text) => (text === '' || text.endsWith('\n') ? text : `${text}\n`)).join('---\n');
}

/** `migrate`: rewrite every shoot-flux providerConfig into the current format. */
export function buildMigrateCommand(context: CliContext): Command {
  const command = new Command('migrate')
    .description('rewrite shoot-flux providerConfigs into the current format, keeping comments and layout')
    .addOption(buildFilenameOption())
    .option('--write', 'rewrite each file in place instead of printing to standard output', false)
    .action(async (options: { filename?: string[]; write: boolean }) => {
      const { io } = context;
      const files = requireInputFiles(options.filename);
      if (options.write && files.includes('-'))
        throw new InputError(InputErrorCode.Usage, '--write needs files, not standard input');
      const migrations: FileMigration[] = [];
      const errors: InputError[] = [];
      // Each file on its own: one that cannot be read or written does not stop the others.
      for (const file of await expandInputFiles(files)) {
        try {
          if (file instanceof InputError) throw file;
          migrations.push(await migrateFile(file, options.write, context));
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          errors.push(err);
        }
      }
      const checks = migrations.flatMap((m) => m.checks);
      if (checks.length === 0 && errors.length === 0) {
        errors.push(buildNothingToCheckError(migrations.map((m) => m.documents)));
      }
      io.stderr.write(
        renderTextLines([
          ...migrations.flatMap((m) => [...m.changes, ...m.checks.flatMap(formatCheckLines)]),
          ...errors.map((error) => `error: ${error.message}`),
        ]),
      );
      if (!options.write && errors.length === 0) io.stdout.write(joinStreams(migrations.map((m) => m.text)));
      context.exitCode = errors.length > 0 ? 2 : checks.every((check) => check.valid) ? 0 : 1;
    });
  return addHelpSections(
    command,
    [
      ['Print a Shoot in the current format', 'gardener-extension-shoot-flux migrate -f shoot.yaml'],
      [
        'Rewrite every file of a directory in place',
        'gardener-extension-shoot-flux migrate -f shoots/ --write',
      ],
      [
        'Migrate a Shoot in the garden',
        'kubectl get shoot my-shoot -o yaml | gardener-extension-shoot-flux migrate -f - | kubectl apply -f -',
      ],
    ],
    [
      [0, 'every providerConfig is valid after migration'],
      [1, 'a providerConfig is still invalid (migration fixes the format, not the content)'],
      [2, 'usage error, or input that cannot be read, parsed or written, or holds no providerConfig'],
    ],
  );
}
