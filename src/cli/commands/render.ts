import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { buildBootstrapObjects, type BootstrapObject } from '../../flux/bootstrap-objects.js';
import { buildSecretTargets } from '../../flux/secret-plan.js';
import type { CliContext } from '../cli-io.js';
import { readProviderConfigs } from '../config-input.js';
import { renderTextLines } from '../text-output.js';
import { checkProviderConfig, formatCheckLines } from './validate.js';

/** `render`: print the objects the bootstrap writes into the shoot, as the controller will write them. */
export function buildRenderCommand(context: CliContext): Command {
  return new Command('render')
    .description(
      'print the objects the bootstrap writes into the shoot (not the Flux installation), in apply order',
    )
    .requiredOption('-f, --filename <file>', 'YAML file with one or more documents, "-" for standard input')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (options: { filename: string; output: 'yaml' | 'json' }) => {
      const { io } = context;
      const inputs = await readProviderConfigs(options.filename, io);
      const checks = inputs.map(checkProviderConfig);
      const notes = checks.flatMap(formatCheckLines);
      const objects: BootstrapObject[] = [];
      inputs.forEach((input, i) => {
        const config = checks[i]?.config;
        if (config === undefined) return;
        objects.push(...buildBootstrapObjects(config, input.shootResources));
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
        io.stdout.write(objects.map((object) => stringify(object)).join('---\n'));
      }
      context.exitCode = 0;
    });
}
