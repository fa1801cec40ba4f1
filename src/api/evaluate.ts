import {
  defaultFluxInstallation,
  defaultKustomizationTemplate,
  defaultSourceTemplate,
  type FluxConfigInput,
} from './defaults.js';
import { FieldPath, invalid, required, type FieldError, type FieldWarning } from './field-errors.js';
import { validateProviderConfigShape } from './input-limits.js';
import { validateFluxConfigStructure } from './schema.js';
import { decodeSourceTemplateType, validateKustomizationTemplateType } from './source-template.js';
import { validateTemplateSchema, type TemplateSchemas } from './template-schema.js';
import type {
  FluxConfig,
  FluxKustomization,
  FluxSource,
  KustomizationObject,
  NamedResourceReference,
  SourceObject,
} from './types.js';
import {
  validateFluxInstallation,
  validateKustomization,
  validateSecretResources,
  validateSource,
  validateTypeMeta,
} from './validation.js';
import { fluxConfigApiVersion, fluxConfigKind } from './constants.js';
import { validateFluxInstallFlags } from './flux-install-options.js';
import { decodeSyncMode } from './sync-mode.js';
import {
  applyLandscapeDefaults,
  validateAllowedVersion,
  type LandscapeFluxPolicy,
} from './landscape-policy.js';

/** What the caller knows besides the providerConfig. */
export interface EvaluationContext {
  /** The Shoot's `spec.resources`; secret references are checked against it when given. */
  shootResources?: readonly NamedResourceReference[];
  /**
   * The schemas of the Flux CRDs that will be installed; when given, each template is checked
   * against the CRD version it will be written as. Without them, only the structure we read is.
   */
  templateSchemas?: TemplateSchemas;
  /** The landscape's defaults and enforcement (flags of `run`); none when absent. */
  landscape?: LandscapeFluxPolicy;
}

/**
 * Where the effective `flux.version` came from: the providerConfig itself, the landscape's
 * default, or the built-in default. An upgrade the shoot owner asked for is applied at once; one
 * that only a changed default brings waits for the shoot's maintenance window.
 */
export type FluxVersionOrigin = 'providerConfig' | 'landscape' | 'builtin';

/** The outcome of evaluating a providerConfig: `config` is set exactly when `errors` is empty. */
export interface FluxConfigEvaluation {
  config?: FluxConfig;
  /** Set with `config`. */
  fluxVersionOrigin?: FluxVersionOrigin;
  errors: FieldError[];
  warnings: FieldWarning[];
}

/** A copy without `null` values: Kubernetes treats an explicit null as unset (depth is bounded first). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function evaluateSource(
  input: NonNullable<FluxConfigInput['source']>,
  fluxNamespace: string,
  fluxVersion: string,
  path: FieldPath,
): { source?: FluxSource; errors: FieldError[]; warnings: FieldWarning[] } {
  const templatePath = path.child('template');
  if (input.template === undefined)
    return { errors: [required(templatePath, 'template is required')], warnings: [] };
  const decoded = decodeSourceTemplateType(input.template, fluxVersion, templatePath);
  if (decoded.type === undefined) return decoded;
  const source: FluxSource = {
    template: defaultSourceTemplate(input.template, decoded.type, fluxNamespace, input.secretResourceName),
    ...(decoded.type.templateApiVersion !== undefined
      ? { templateApiVersion: decoded.type.templateApiVersion }
      : {}),
    ...(input.secretResourceName !== undefined ? { secretResourceName: input.secretResourceName } : {}),
  };
  return {
    source,
    errors: [...decoded.errors, ...validateSource(source, fluxNamespace, path)],
    warnings: decoded.warnings,
  };
}

function evaluateKustomization(
  input: NonNullable<FluxConfigInput['kustomization']>,
  source: FluxSource | undefined,
  fluxNamespace: string,
  path: FieldPath,
): { kustomization?: FluxKustomization; errors: FieldError[] } {
  const templatePath = path.child('template');
  if (input.template === undefined) return { errors: [required(templatePath, 'template is required')] };
  const typeErrors = validateKustomizationTemplateType(input.template, templatePath);
  const template = defaultKustomizationTemplate(input.template, source?.template, fluxNamespace);
  return {
    kustomization: { template },
    errors: [
      ...typeErrors,
      ...validateKustomization(template, source?.template, fluxNamespace, templatePath),
    ],
  };
}

/**
 * The CRD schema findings of the objects built from the templates. A field our own validation
 * already found wrong (an invalid duration, a missing URL) keeps that one error, in our words.
 */
function validateTemplatesAgainstCrds(
  objects: readonly [SourceObject | KustomizationObject | undefined, FieldPath][],
  schemas: TemplateSchemas,
  known: readonly FieldError[],
): { errors: FieldError[]; warnings: FieldWarning[] } {
  const knownFields = new Set(known.map((error) => error.field));
  const errors: FieldError[] = [];
  const warnings: FieldWarning[] = [];
  for (const [object, path] of objects) {
    if (object === undefined) continue;
    const checked = validateTemplateSchema(object, schemas, path);
    errors.push(...checked.errors.filter((error) => !knownFields.has(error.field)));
    warnings.push(...checked.warnings);
  }
  return { errors, warnings };
}

function findFluxVersionOrigin(cfg: FluxConfigInput, context: EvaluationContext): FluxVersionOrigin {
  if (cfg.flux?.version !== undefined) return 'providerConfig';
  return context.landscape?.defaultVersion !== undefined ? 'landscape' : 'builtin';
}

/**
 * Decodes, defaults and validates a shoot-flux providerConfig in one pass, as the controller and
 * the CLI both need it. `raw` is `spec.providerConfig` as the API server returns it; undefined or
 * null means all defaults. Paths in errors and warnings are relative to the providerConfig root.
 */
export function evaluateFluxConfig(raw: unknown, context: EvaluationContext = {}): FluxConfigEvaluation {
  const root = FieldPath.root();
  // Depth and size first: every later step may then walk the input without limits of its own.
  const shapeError = validateProviderConfigShape(raw ?? {});
  if (shapeError) return { errors: [shapeError], warnings: [] };
  const input = withoutNulls(raw ?? {});
  const structure = validateFluxConfigStructure(input);
  if (structure.errors.length > 0) return structure;
  const cfg = input as FluxConfigInput;
  const errors: FieldError[] = [...validateTypeMeta(cfg.apiVersion, cfg.kind, root)];
  const warnings: FieldWarning[] = [...structure.warnings];
  const { syncMode, errors: syncModeErrors } = decodeSyncMode(cfg.syncMode, root.child('syncMode'));
  errors.push(...syncModeErrors);

  const landscape = applyLandscapeDefaults(
    cfg.flux,
    context.landscape ?? {},
    context.shootResources,
    root.child('flux'),
  );
  warnings.push(...landscape.warnings);
  const flux = defaultFluxInstallation(landscape.flux);
  const installation = validateFluxInstallation(flux, root.child('flux'));
  errors.push(...installation.errors);
  warnings.push(...installation.warnings);
  errors.push(...validateFluxInstallFlags(flux, context.shootResources, root.child('flux')));
  errors.push(
    ...validateAllowedVersion(flux.version, context.landscape ?? {}, root.child('flux', 'version')),
  );

  if (cfg.source !== undefined && cfg.kustomization === undefined) {
    errors.push(
      invalid(root.child('kustomization'), null, 'must specify a kustomization if a source is specified'),
    );
  }
  if (cfg.kustomization !== undefined && cfg.source === undefined) {
    errors.push(invalid(root.child('source'), null, 'must specify a source if a kustomization is specified'));
  }

  let source: FluxSource | undefined;
  if (cfg.source !== undefined) {
    const evaluated = evaluateSource(cfg.source, flux.namespace, flux.version, root.child('source'));
    source = evaluated.source;
    errors.push(...evaluated.errors);
    warnings.push(...evaluated.warnings);
  }
  let kustomization: FluxKustomization | undefined;
  if (cfg.kustomization !== undefined) {
    const evaluated = evaluateKustomization(
      cfg.kustomization,
      source,
      flux.namespace,
      root.child('kustomization'),
    );
    kustomization = evaluated.kustomization;
    errors.push(...evaluated.errors);
  }

  if (context.templateSchemas !== undefined) {
    const checked = validateTemplatesAgainstCrds(
      [
        [source?.template, root.child('source', 'template')],
        [kustomization?.template, root.child('kustomization', 'template')],
      ],
      context.templateSchemas,
      errors,
    );
    errors.push(...checked.errors);
    warnings.push(...checked.warnings);
  }

  const additionalSecretResources = (cfg.additionalSecretResources ?? []).map((entry) => ({ ...entry }));
  errors.push(
    ...validateSecretResources(
      { fluxNamespace: flux.namespace, ...(source ? { source } : {}), additionalSecretResources },
      context.shootResources,
      root,
    ),
  );
  if (errors.length > 0) return { errors, warnings };
  return {
    fluxVersionOrigin: findFluxVersionOrigin(cfg, context),
    config: {
      apiVersion: fluxConfigApiVersion,
      kind: fluxConfigKind,
      syncMode,
      flux,
      ...(source ? { source } : {}),
      ...(kustomization ? { kustomization } : {}),
      additionalSecretResources,
    },
    errors,
    warnings,
  };
}
