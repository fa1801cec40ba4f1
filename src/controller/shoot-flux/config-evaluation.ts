import { evaluateFluxConfig, type FluxVersionOrigin } from '../../api/evaluate.js';
import { formatFieldErrors, formatFieldWarnings, type FieldWarning } from '../../api/field-errors.js';
import type { LandscapeFluxPolicy } from '../../api/landscape-policy.js';
import type { TemplateSchemas } from '../../api/template-schema.js';
import type { FluxConfig, NamedResourceReference } from '../../api/types.js';
import { buildTemplateSchemas } from '../../flux/crd-schemas.js';
import { textLimits } from '../../log/truncate.js';
import type { ActuatorContext } from '../actuator.js';
import { ConfigurationError } from '../errors.js';
import type { FluxBundleSource } from './flux-install.js';
import { isNewConfigWarningSummary } from './steady-events.js';

/**
 * The schemas of the Flux CRDs the bootstrap will install, to check the templates against them
 * before anything is written to the shoot. Only when bootstrapping: a bootstrapped shoot's
 * re-apply (`ManifestsOnly`, `Full`) loads the installed version's schemas itself, and only when
 * it applies. Undefined when the config is invalid anyway (the evaluation reports why).
 */
export async function loadTemplateSchemas(
  context: ActuatorContext,
  shootResources: NamedResourceReference[],
  bundles: FluxBundleSource,
  landscape: LandscapeFluxPolicy | undefined,
): Promise<TemplateSchemas | undefined> {
  const version = evaluateFluxConfig(context.extension.spec.providerConfig, {
    shootResources,
    ...(landscape ? { landscape } : {}),
  }).config?.flux.version;
  if (version === undefined) return undefined;
  return buildTemplateSchemas(await bundles.load(version, context.signal));
}

/**
 * Decodes, defaults and validates the Extension's providerConfig; reports its warnings once
 * (one log line, one Event) and throws a ConfigurationError naming every invalid field.
 */
export function evaluateExtensionConfig(
  context: ActuatorContext,
  shootResources: NamedResourceReference[],
  templateSchemas: TemplateSchemas | undefined,
  landscape: LandscapeFluxPolicy | undefined,
): { config: FluxConfig; warnings: FieldWarning[]; versionOrigin: FluxVersionOrigin } {
  const evaluation = evaluateFluxConfig(context.extension.spec.providerConfig, {
    shootResources,
    ...(templateSchemas ? { templateSchemas } : {}),
    ...(landscape ? { landscape } : {}),
  });
  if (evaluation.warnings.length > 0) {
    // One log line and one Event per reconcile, however many fields: 3000 unknown fields must
    // not become 3000 lines and Events on every reconcile. The same summary next time bumps the
    // Event's count (the recorder's deduplication) instead of creating another one.
    const summary = formatFieldWarnings(evaluation.warnings, textLimits.eventMessage);
    context.logger.warn('Deprecated or unknown providerConfig fields', {
      count: evaluation.warnings.length,
      warnings: summary,
    });
    if (isNewConfigWarningSummary(context, summary)) {
      context.events.event('Warning', 'ProviderConfigWarning', summary);
    }
  }
  if (!evaluation.config || evaluation.errors.length > 0) {
    throw new ConfigurationError(
      `invalid providerConfig: ${formatFieldErrors(evaluation.errors)}`,
      evaluation.errors,
    );
  }
  return {
    config: evaluation.config,
    warnings: evaluation.warnings,
    versionOrigin: evaluation.fluxVersionOrigin ?? 'providerConfig',
  };
}
