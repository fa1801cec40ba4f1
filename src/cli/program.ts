import { Command, CommanderError } from 'commander';
import { buildAdmissionCommand } from './commands/admission.js';
import { buildInstallManifestsCommand } from './commands/install-manifests.js';
import { buildMigrateCommand } from './commands/migrate.js';
import { buildRenderCommand } from './commands/render.js';
import { buildRunCommand } from './commands/run.js';
import { buildValidateCommand } from './commands/validate.js';
import { version } from './version.js';

/** Builds the `gardener-extension-shoot-flux` command with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('gardener-extension-shoot-flux')
    .description('Gardener extension that bootstraps Flux into shoot clusters')
    .version(version, '--version')
    .showHelpAfterError()
    // Program options only before a subcommand, so `install-manifests --version V` is the Flux version.
    .enablePositionalOptions()
    .exitOverride();
  program.addCommand(buildValidateCommand());
  program.addCommand(buildRenderCommand());
  program.addCommand(buildMigrateCommand());
  program.addCommand(buildRunCommand());
  program.addCommand(buildInstallManifestsCommand());
  program.addCommand(buildAdmissionCommand());
  return program;
}

/** Runs the CLI; exit codes: 0 ok, 1 invalid input (per command), 2 usage or unreadable input. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 2;
  }
}
