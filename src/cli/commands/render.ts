import { Command } from 'commander';
import type { SyncMode } from '../../api/constants.js';
import { buildBootstrapObjects, type BootstrapObject } from '../../flux/bootstrap-objects.js';
import { buildSecretTargets } from '../../flux/secret-plan.js';
import type { CliContext } from '../cli-io.js';
import { buildFilenameOption, requireInputFiles } from '../config-input.js';
import { addHelpSections, inputExitCodes } from '../help-text.js';
import { buildOutputOption, renderData } from '../output-format.js';
import { readEveryProviderConfig } from '../provider-configs.js';
import { renderTextLines } from '../text-output.js';
import { checkProviderConfig, formatCheckLines } from './validate.js';

/** What the controller keeps applying after the bootstrap in each mode, as `render` notes it. */
export function describeSyncMode(syncMode: SyncMode): string {
  switch (syncMode) {
    case 'Once':
      return 'syncMode Once: these objects are applied once; afterwards only secrets and shoot-info follow the providerConfig';
    case 'ManifestsOnly':
      return 'syncMode ManifestsOnly: the source and Kustomization are re-applied whenever they differ; the Flux installation stays as installed';
    case 'Full':
      return 'syncMode Full: these objects and the Flux installation are kept as configured, upgrades included';
  }
}

/** `render`: print the objects the bootstrap writes into the shoot, as the controller will write them. */
export function buildRenderCommand(context: CliContext): Command {
  const command = new Command('render')
    .description(
      'print the objects the bootstrap writes into the shoot (not the Flux installation), in apply order',
    )
    .addOption(buildFilenameOption())
    .addOption(buildOutputOption(['yaml', 'json'], 'yaml'))
    .action(async (options: { filename?: string[]; output: 'yaml' | 'json' }) => {
      const { io } = context;
      const inputs = await readEveryProviderConfig(requireInputFiles(options.filename), context);
      if (inputs === undefined) return;
      const checks = inputs.map(checkProviderConfig);
      const notes = checks.flatMap(formatCheckLines);
      const objects: BootstrapObject[] = [];
      inputs.forEach((input, i) => {
        const config = checks[i]?.config;
        if (config === undefined) return;
        objects.push(...buildBootstrapObjects(config, input.shootResources));
        notes.push(`${input.source} (${input.kind}): note: ${describeSyncMode(config.syncMode)}`);
        buildSecretTargets(config, input.shootResources).forEach((target) => {
          if (target.targetName !== undefined) return;
          notes.push(
            `${input.source} (${input.kind}): note: the shoot secret for resource ${target.resourceName} is named ` +
              "after the referenced secret, which only the Shoot's spec.resources tell; not rendered",
          );
        });
      });
      io.stderr.write(renderTextLines(notes));
      if (!checks.every((check) => check.valid)) {
        context.exitCode = 1;
        return;
      }
      if (options.output === 'json') {
        io.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
      } else {
        // The one YAML writer of the CLI: it quotes `yes`, `on`, `0777`… so kubectl (YAML 1.1) reads strings.
        io.stdout.write(objects.map((object) => renderData(object, 'yaml')).join('---\n'));
      }
      context.exitCode = 0;
    });
  return addHelpSections(
    command,
    [
      [
        'Print what the bootstrap writes into the shoot',
        'gardener-extension-shoot-flux render -f shoot.yaml',
      ],
      [
        'Diff it against the shoot',
        'gardener-extension-shoot-flux render -f shoot.yaml | kubectl --kubeconfig shoot.kubeconfig diff -f -',
      ],
      ['As a JSON List', 'gardener-extension-shoot-flux render -f extension.yaml -o json'],
    ],
    inputExitCodes,
  );
}
