import { Command, Option } from 'commander';
import { evaluateFluxConfig } from '../../api/evaluate.js';
import {
  formatFieldError,
  prefixFieldPath,
  type FieldError,
  type FieldWarning,
} from '../../api/field-errors.js';
import type { LandscapeFluxPolicy } from '../../api/landscape-policy.js';
import type { TemplateSchemas } from '../../api/template-schema.js';
import type { FluxConfig } from '../../api/types.js';
import type { CliContext } from '../cli-io.js';
import { buildFilenameOption, InputError, requireInputFiles, type InputErrorCode } from '../config-input.js';
import { addHelpSections, inputExitCodes } from '../help-text.js';
import { addLandscapeFlags, buildLandscapePolicy, type LandscapeFlags } from '../landscape-flags.js';
import { buildOutputOption, renderData } from '../output-format.js';
import {
  readProviderConfigs,
  type ConfigDocumentKind,
  type ProviderConfigInput,
} from '../provider-configs.js';
import { loadTemplateSchemas, type BundleFlags } from '../template-schemas.js';
import { renderTextLines, truncateReportStrings } from '../text-output.js';

/** The outcome of checking one providerConfig, paths prefixed for its document; `-o json` prints these. */
export interface ProviderConfigCheck {
  source: string;
  kind: ConfigDocumentKind;
  valid: boolean;
  errors: FieldError[];
  warnings: FieldWarning[];
}

/** A `-o json|yaml` result for input that could not be checked at all (exit 2). */
export interface InputFailureResult {
  /** The file (or `stdin`); absent when the error concerns no single file. */
  source?: string;
  valid: false;
  inputError: { code: InputErrorCode; message: string; line?: number; column?: number };
  errors: [];
  warnings: [];
}

/** Defaults and validates one providerConfig found in the input. */
export function checkProviderConfig(
  input: ProviderConfigInput,
): ProviderConfigCheck & { config?: FluxConfig } {
  return checkProviderConfigAgainst(input, undefined);
}

/**
 * checkProviderConfig, with the templates also checked against Flux's CRD schemas when given, and
 * the landscape's defaults and enforcement (the landscape flags of `run`) applied when given.
 */
export function checkProviderConfigAgainst(
  input: ProviderConfigInput,
  templateSchemas: TemplateSchemas | undefined,
  landscape?: LandscapeFluxPolicy,
): ProviderConfigCheck & { config?: FluxConfig } {
  const result = evaluateFluxConfig(input.providerConfig, {
    ...(input.shootResources ? { shootResources: input.shootResources } : {}),
    ...(templateSchemas ? { templateSchemas } : {}),
    ...(landscape ? { landscape } : {}),
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

function toDataCheck(check: ProviderConfigCheck): ProviderConfigCheck {
  const { source, kind, valid, errors, warnings } = check;
  return { source, kind, valid, errors, warnings };
}

function toFailureResult(error: InputError): InputFailureResult {
  const { source, line, column } = error.location;
  return {
    ...(source !== undefined ? { source } : {}),
    valid: false,
    inputError: {
      code: error.code,
      message: error.message,
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
    },
    errors: [],
    warnings: [],
  };
}

/** `validate`: default and validate every shoot-flux providerConfig in the input. */
export function buildValidateCommand(context: CliContext): Command {
  const command = new Command('validate')
    .description(
      'default and validate every shoot-flux providerConfig (FluxConfig, Extension or Shoot documents)',
    )
    .addOption(buildFilenameOption())
    .addOption(buildOutputOption(['text', 'json', 'yaml'], 'text'))
    .addOption(
      new Option(
        '--flux-manifests-base <location>',
        "Flux release bundle locations (directory or URL; repeatable) to check templates against Flux's CRDs",
      )
        .argParser((value: string, previous: string[]) => [...previous, value])
        .default([] as string[], 'none: structure only'),
    )
    .option('--cache-dir <dir>', 'Flux release bundle cache (read, and written by downloads)');
  // The landscape flags of run, with run's definitions: the policy a seed enforces, checked offline.
  addLandscapeFlags(command).action(
    async (
      options: { filename?: string[]; output: 'text' | 'json' | 'yaml' } & BundleFlags & LandscapeFlags,
    ) => {
      const { io } = context;
      const landscape = buildLandscapePolicy(options);
      const items = await readProviderConfigs(requireInputFiles(options.filename), io);
      const inputs = items.filter((item): item is ProviderConfigInput => !(item instanceof InputError));
      const { schemasFor, notes } = await loadTemplateSchemas(inputs, options, landscape);
      const results = items.map((item) =>
        item instanceof InputError ? item : checkProviderConfigAgainst(item, schemasFor(item), landscape),
      );
      const failed = results.some((result) => result instanceof InputError);
      if (options.output !== 'text') {
        // Input errors are results too, so a pipeline (`| jq`) always gets a document to read.
        const data = results.map((r) => (r instanceof InputError ? toFailureResult(r) : toDataCheck(r)));
        io.stdout.write(renderData(truncateReportStrings(data), options.output));
      } else {
        const lines = results.flatMap((result) =>
          result instanceof InputError
            ? []
            : [
                ...formatCheckLines(result),
                ...(result.valid ? [`${result.source} (${result.kind}): valid`] : []),
              ],
        );
        io.stderr.write(
          renderTextLines(results.flatMap((r) => (r instanceof InputError ? [`error: ${r.message}`] : []))),
        );
        io.stdout.write(renderTextLines(lines));
      }
      io.stderr.write(renderTextLines(notes));
      context.exitCode = failed ? 2 : results.every((r) => !(r instanceof InputError) && r.valid) ? 0 : 1;
    },
  );
  return addHelpSections(
    command,
    [
      [
        'Check a Shoot and every shoot-flux extension in it',
        'gardener-extension-shoot-flux validate -f shoot.yaml',
      ],
      [
        'Check every *.yaml, *.yml and *.json file of a directory',
        'gardener-extension-shoot-flux validate -f shoots/',
      ],
      [
        "Check against a landscape's policy (the flags its seeds' run has)",
        "gardener-extension-shoot-flux validate -f shoot.yaml --allowed-flux-versions '>=2.8.0 <2.10.0' --enforce-flux-registry mirror.example/fluxcd",
      ],
      [
        'Check a Shoot from the garden, as JSON for jq',
        'kubectl get shoot my-shoot -o yaml | gardener-extension-shoot-flux validate -f - -o json | jq .',
      ],
    ],
    inputExitCodes,
  );
}
