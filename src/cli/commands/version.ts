import { Command } from 'commander';
import { defaultFluxVersion } from '../../api/constants.js';
import type { CliContext } from '../cli-io.js';
import { addHelpSections } from '../help-text.js';
import { buildOutputOption, renderData } from '../output-format.js';
import { version } from '../version.js';

/** What `version -o json|yaml` prints. */
export interface VersionInfo {
  /** This build of gardener-extension-shoot-flux. */
  version: string;
  /** The Flux release installed when `flux.version` is not set. */
  defaultFluxVersion: string;
  /** The Node.js running it. */
  nodeVersion: string;
}

/** `version`: this build, the Flux it installs by default and the Node.js it runs on. */
export function buildVersionCommand(context: CliContext): Command {
  const command = new Command('version')
    .description('print the version, the default Flux version and the Node.js version')
    .addOption(buildOutputOption(['text', 'json', 'yaml'], 'text'))
    .action((options: { output: 'text' | 'json' | 'yaml' }) => {
      const info: VersionInfo = { version, defaultFluxVersion, nodeVersion: process.version };
      context.io.stdout.write(
        options.output === 'text'
          ? `gardener-extension-shoot-flux ${info.version}\ndefault Flux version: ${info.defaultFluxVersion}\nNode.js: ${info.nodeVersion}\n`
          : renderData(info, options.output),
      );
      context.exitCode = 0;
    });
  return addHelpSections(
    command,
    [
      ['Print the versions', 'gardener-extension-shoot-flux version'],
      ['As JSON', 'gardener-extension-shoot-flux version -o json'],
    ],
    [
      [0, 'printed'],
      [2, 'usage error'],
    ],
  );
}
