import { Command, Option } from 'commander';
import { evaluateFluxConfig } from '../../api/evaluate.js';
import {
  formatFieldError,
  prefixFieldPath,
  type FieldError,
  type FieldWarning,
} from '../../api/field-errors.js';
import type { FluxConfig } from '../../api/types.js';
import type { TemplateSchemas } from '../../api/template-schema.js';
import { readProviderConfigs, type ConfigDocumentKind, type ProviderConfigInput } from '../config-input.js';
import { loadTemplateSchemas, type BundleFlags } from '../template-schemas.js';

/** The outcome of checking one providerConfig, paths prefixed for its document; `-o json` prints these. */
export interface ProviderConfigCheck {
  source: string;
  kind: ConfigDocumentKind;
  valid: boolean;
  errors: FieldError[];
  warnings: FieldWarning[];
}

/** Defaults and validates one providerConfig found in the input. */
export function checkProviderConfig(
  input: ProviderConfigInput,
): ProviderConfigCheck & { config?: FluxConfig } {
  return checkProviderConfigAgainst(input, undefined);
}

/** checkProviderConfig, with the templates also checked against Flux's CRD schemas when given. */
export function checkProviderConfigAgainst(
  input: ProviderConfigInput,
  templateSchemas: TemplateSchemas | undefined,
): ProviderConfigCheck & { config?: FluxConfig } {
  const result = evaluateFluxConfig(input.providerConfig, {
    ...(input.shootResources ? { shootResources: input.shootResources } : {}),
    ...(templateSchemas ? { templateSchemas } : {}),
  });
  return {
    source: input.source,
    kind: input.kind,
    valid: result.errors.length === 0,
    errors: result.errors.map((e) => ({ ...e, field: prefixFieldPath(e.field, input.pathPrefix) })),
    warnings: result.warnings.map((w) => ({ ...w, field: prefixFieldPath(w.field, input.pathPrefix) })),
    ...(result.config ? { config: result.config } : {}),
  };
}

/** Human-readable lines for one check, one per error and warning, like kubectl's. */
export function formatCheckLines(check: ProviderConfigCheck): string[] {
  const at = `${check.source} (${check.kind})`;
  return [
    ...check.errors.map((e) => `${at}: error: ${formatFieldError(e)}`),
    ...check.warnings.map((w) => `${at}: warning: ${w.field === '' ? '' : `${w.field}: `}${w.message}`),
  ];
}

function toJsonCheck(check: ProviderConfigCheck): ProviderConfigCheck {
  const { source, kind, valid, errors, warnings } = check;
  return { source, kind, valid, errors, warnings };
}

/** `validate`: default and validate every shoot-flux providerConfig in a YAML stream. */
export function buildValidateCommand(): Command {
  return new Command('validate')
    .description(
      'default and validate every shoot-flux providerConfig (FluxConfig, Extension or Shoot documents)',
    )
    .requiredOption('-f, --filename <file>', 'YAML file with one or more documents, "-" for standard input')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(
      new Option(
        '--flux-manifests-base <location>',
        "Flux release bundle locations (directory or URL; repeatable) to check templates against Flux's CRDs",
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([] as string[], 'none: structure only'),
    )
    .option('--cache-dir <dir>', 'Flux release bundle cache (read, and written by downloads)')
    .exitOverride()
    .action(async (options: { filename: string; output: 'text' | 'json' } & BundleFlags) => {
      const inputs = readProviderConfigs(options.filename);
      const schemasFor = await loadTemplateSchemas(inputs, options, (line) => {
        process.stderr.write(`${line}\n`);
      });
      const checks = inputs.map((input) => checkProviderConfigAgainst(input, schemasFor(input)));
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(checks.map(toJsonCheck), null, 2)}\n`);
      } else {
        const lines = checks.flatMap((check) => [
          ...formatCheckLines(check),
          ...(check.valid ? [`${check.source} (${check.kind}): valid`] : []),
        ]);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = checks.every((check) => check.valid) ? 0 : 1;
    });
}
