import { evaluateFluxConfig, type FluxConfigEvaluation } from '../api/evaluate.js';
import { prefixFieldPath, type FieldError } from '../api/field-errors.js';
import type { LandscapeFluxPolicy } from '../api/landscape-policy.js';
import { coreGroup, shootKind } from '../gardener/constants.js';
import { findShootFluxExtensions, readShootResources, type ShootFluxExtension } from '../gardener/shoot.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import { buildFailureStatus, buildInvalidStatus, buildWarnings } from './admission-status.js';
import { buildNotAppliedWarning, findChangesNotAppliedAfterBootstrap } from './bootstrap-changes.js';
import { checkShootRunsFluxVersions } from './kubernetes-preflight.js';
import { checkReferencedSecrets, listReferencedSecrets, type SecretReader } from './secret-references.js';
import { isRecord } from '../api/is-record.js';

/** The Shoot version the webhook is registered for (the API server converts others to it). */
export const reviewedShootVersion = 'v1beta1';

/** What a review needs besides the request. */
export interface ShootReviewDependencies {
  /** Reads the garden's secrets; without it, referenced secrets are not checked for existence. */
  secrets?: SecretReader;
  /** Bounds the secret reads. */
  signal?: AbortSignal;
  /** The landscape's Flux defaults and enforcement (run's landscape flags): judged as the seed judges. */
  landscape?: LandscapeFluxPolicy;
}

/** Why a request was allowed without evaluating anything. */
export type SkipReason = 'operation' | 'deleting' | 'no-extension' | 'unchanged';

/** The answer and how it came about, for logs and metrics. */
export interface ShootReview {
  response: AdmissionResponse;
  result: 'allowed' | 'denied' | 'skipped';
  skipReason?: SkipReason;
}

interface ExtensionEvaluation {
  extension: ShootFluxExtension;
  evaluation: FluxConfigEvaluation;
}

function metadataOf(object: unknown): Record<string, unknown> {
  return isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The parts of a Shoot the shoot-flux extension depends on, for "did this update touch us". */
function relevantParts(shoot: unknown): string {
  const extensions = findShootFluxExtensions(shoot).map((e) => e.providerConfig ?? null);
  const spec = isRecord(shoot) && isRecord(shoot.spec) ? shoot.spec : {};
  // Not spec.kubernetes.version, though the preflight reads it: Gardener only ever raises it, and
  // a higher version never fails a Flux that ran on the lower one, so a Kubernetes upgrade alone
  // stays unevaluated (as an unchanged old config should).
  return JSON.stringify({ extensions, resources: spec.resources ?? null });
}

/** Evaluates every shoot-flux extension of the Shoot, as the controller and `validate` do. */
function evaluateExtensions(
  shoot: unknown,
  landscape: LandscapeFluxPolicy | undefined,
): ExtensionEvaluation[] {
  const shootResources = readShootResources(shoot);
  return findShootFluxExtensions(shoot).map((extension) => ({
    extension,
    evaluation: evaluateFluxConfig(extension.providerConfig, {
      shootResources,
      ...(landscape ? { landscape } : {}),
    }),
  }));
}

function prefixedErrors({ extension, evaluation }: ExtensionEvaluation): FieldError[] {
  return evaluation.errors.map((e) => ({ ...e, field: prefixFieldPath(e.field, extension.fieldPath) }));
}

function prefixedWarnings({ extension, evaluation }: ExtensionEvaluation): string[] {
  return evaluation.warnings.map((w) => `${prefixFieldPath(w.field, extension.fieldPath)}: ${w.message}`);
}

/** Warnings for changes an already bootstrapped shoot will not get (UPDATE only). */
function notAppliedWarnings(
  evaluated: readonly ExtensionEvaluation[],
  oldShoot: unknown,
  landscape: LandscapeFluxPolicy | undefined,
): string[] {
  // Gardener allows one entry per extension type; entries are matched in order all the same.
  const before = evaluateExtensions(oldShoot, landscape);
  return evaluated.flatMap(({ extension, evaluation }, i): string[] => {
    const previous = before[i]?.evaluation.config;
    // A newly enabled extension is bootstrapped from this config; an old config that was invalid
    // was never applied, so there is nothing to compare against.
    if (!previous || !evaluation.config) return [];
    const changedFields = findChangesNotAppliedAfterBootstrap(previous, evaluation.config);
    const syncMode = evaluation.config.syncMode;
    if (changedFields.length === 0 || syncMode === 'Full') return [];
    return [buildNotAppliedWarning({ fieldPrefix: extension.fieldPath, changedFields, oldShoot, syncMode })];
  });
}

function skipped(uid: string, skipReason: SkipReason): ShootReview {
  return { response: { uid, allowed: true }, result: 'skipped', skipReason };
}

/**
 * Reviews a Shoot CREATE or UPDATE: every shoot-flux extension in effect is evaluated (the
 * landscape's defaults and enforcement, defaults, then every rule) against the Shoot's
 * `spec.resources`, exactly as the controller evaluates the Extension and `validate` a Shoot
 * document; the Flux version must run on the Shoot's `spec.kubernetes.version` (the controller's
 * preflight); with a secret reader, referenced secrets must exist in the Shoot's namespace. Field errors deny (422 Invalid, one cause each), warnings pass through.
 * Throws SecretCheckError when the garden cannot be asked; the server answers that with 500, so
 * the webhook's failurePolicy decides, as when the webhook cannot be reached.
 */
export async function reviewShoot(
  request: AdmissionRequest,
  dependencies: ShootReviewDependencies = {},
): Promise<ShootReview> {
  const { uid } = request;
  const { group, version, kind } = request.kind;
  if (group !== coreGroup || version !== reviewedShootVersion || kind !== shootKind) {
    const message = `unexpected request kind ${group}/${version}, Kind=${kind}: this webhook reviews ${coreGroup}/${reviewedShootVersion} Shoots`;
    return {
      response: { uid, allowed: false, status: buildFailureStatus(400, 'BadRequest', message) },
      result: 'denied',
    };
  }
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return skipped(uid, 'operation');
  const shoot = request.object;
  const metadata = metadataOf(shoot);
  if (textOf(metadata.deletionTimestamp)) return skipped(uid, 'deleting');
  const evaluated = evaluateExtensions(shoot, dependencies.landscape);
  if (evaluated.length === 0) return skipped(uid, 'no-extension');
  if (request.operation === 'UPDATE' && relevantParts(shoot) === relevantParts(request.oldObject)) {
    return skipped(uid, 'unchanged');
  }

  const errors = evaluated.flatMap(prefixedErrors);
  const warnings = evaluated.flatMap(prefixedWarnings);
  const namespace = textOf(metadata.namespace) ?? request.namespace ?? '';
  if (dependencies.secrets && namespace !== '') {
    const shootResources = readShootResources(shoot);
    const references = evaluated.flatMap(({ extension, evaluation }) =>
      evaluation.config ? listReferencedSecrets(evaluation.config, shootResources, extension.fieldPath) : [],
    );
    if (references.length > 0) {
      errors.push(
        ...(await checkReferencedSecrets(references, namespace, dependencies.secrets, dependencies.signal)),
      );
    }
  }
  // The landscape's allowed versions came with the evaluation; the Kubernetes preflight needs
  // the Flux version the evaluation settled on.
  errors.push(
    ...checkShootRunsFluxVersions(
      shoot,
      evaluated.map(({ extension, evaluation }) => ({
        fieldPath: extension.fieldPath,
        ...(evaluation.config ? { config: evaluation.config } : {}),
      })),
    ),
  );
  if (request.operation === 'UPDATE' && errors.length === 0) {
    warnings.push(...notAppliedWarnings(evaluated, request.oldObject, dependencies.landscape));
  }

  const response: AdmissionResponse = { uid, allowed: errors.length === 0 };
  if (errors.length > 0) {
    const name = textOf(metadata.name) ?? request.name ?? '';
    response.status = buildInvalidStatus({ group: coreGroup, kind: shootKind, name }, errors);
  }
  if (warnings.length > 0) response.warnings = buildWarnings(warnings);
  return { response, result: errors.length === 0 ? 'allowed' : 'denied' };
}
