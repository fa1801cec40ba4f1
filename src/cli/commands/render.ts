import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { buildBootstrapObjects, type BootstrapObject } from '../../flux/bootstrap-objects.js';
import { buildSecretTargets } from '../../flux/secret-plan.js';
import { readProviderConfigs } from '../config-input.js';
import { checkProviderConfig, formatCheckLines } from './validate.js';

/** `render`: print the objects the bootstrap writes into the shoot, as the controller will write them. */
export function buildRenderCommand(): Command {
  return new Command('render')
    .description(
      'print the objects the bootstrap writes into the shoot (not the Flux installation), in apply order',
    )
    .requiredOption('-f, --filename <file>', 'YAML file with one or more documents, "-" for standard input')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .exitOverride()
    .action((options: { filename: string; output: 'yaml' | 'json' }) => {
      const inputs = readProviderConfigs(options.filename);
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
      if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
      if (!checks.every((check) => check.valid)) {
        process.exitCode = 1;
        return;
      }
      if (options.output === 'json') {
        process.stdout.write(
          `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(objects.map((object) => stringify(object)).join('---\n'));
      }
      process.exitCode = 0;
    });
}
