import { Command, CommanderError } from 'commander';
import { processIo, type CliContext, type CliIo } from './cli-io.js';
import { buildAdmissionCommand } from './commands/admission.js';
import { buildInstallManifestsCommand } from './commands/install-manifests.js';
import { buildMigrateCommand } from './commands/migrate.js';
import { buildRenderCommand } from './commands/render.js';
import { buildRunCommand } from './commands/run.js';
import { buildValidateCommand } from './commands/validate.js';
import { buildVersionCommand } from './commands/version.js';
import { addHelpSections } from './help-text.js';
import { normalizeArgv } from './output-format.js';
import { renderTextLines } from './text-output.js';
import { version } from './version.js';

/** Settings every command shares, applied after they are built (addCommand does not pass them on). */
function configureCommandTree(command: Command, io: CliIo): void {
  command
    .exitOverride()
    // "did you mean" for a misspelt command or flag.
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const sub of command.commands) configureCommandTree(sub, io);
}

/** Builds the `gardener-extension-shoot-flux` command with every subcommand, writing to `context.io`. */
export function buildProgram(context: CliContext = { io: processIo() }): Command {
  const program = new Command('gardener-extension-shoot-flux')
    .description('Gardener extension that bootstraps Flux into shoot clusters')
    .version(version, '--version')
    .showHelpAfterError()
    // Program options only before a subcommand, so `install-manifests --version V` is the Flux version.
    .enablePositionalOptions();
  program.addCommand(buildValidateCommand(context));
  program.addCommand(buildRenderCommand(context));
  program.addCommand(buildMigrateCommand(context));
  // TODO(#13): move these help sections into run.ts with the run flags work, which owns that file.
  program.addCommand(
    addHelpSections(
      buildRunCommand(),
      [
        [
          'Run against the seed of the current kubeconfig, without leader election',
          'gardener-extension-shoot-flux run --kubeconfig seed.kubeconfig --leader-election=false',
        ],
        [
          'Take Flux release bundles from a local directory first',
          'gardener-extension-shoot-flux run --flux-manifests-base /srv/flux-bundles,https://github.com/fluxcd/flux2/releases/download',
        ],
      ],
      [
        [0, 'stopped by SIGTERM or SIGINT after a clean shutdown'],
        [1, 'the controller failed'],
        [2, 'usage error: an unknown or invalid flag'],
      ],
    ),
  );
  program.addCommand(buildInstallManifestsCommand(context));
  program.addCommand(buildAdmissionCommand());
  program.addCommand(buildVersionCommand(context));
  addHelpSections(
    program,
    [
      ['Check a Shoot before applying it', 'gardener-extension-shoot-flux validate -f shoot.yaml'],
      [
        'Bring legacy providerConfigs into the current format',
        'gardener-extension-shoot-flux migrate -f shoot.yaml --write',
      ],
      ['Help on one command', 'gardener-extension-shoot-flux validate --help'],
    ],
    [
      [0, 'success'],
      [1, 'invalid input or a failed run (see each command)'],
      [2, 'usage error, or input that cannot be read'],
    ],
  );
  configureCommandTree(program, context.io);
  return program;
}

/**
 * Runs the CLI with `io` (the process's streams by default) and returns the exit code:
 * 0 ok, 1 invalid input (per command), 2 usage or unreadable input.
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const context: CliContext = { io };
  try {
    const program = buildProgram(context);
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
    // `run` keeps the process's exit code; every other command sets the context's.
    return context.exitCode ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    io.stderr.write(renderTextLines([`error: ${(err as Error).message}`]));
    return 2;
  }
}
