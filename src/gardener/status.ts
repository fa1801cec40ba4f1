import {
  operationAnnotation,
  operationStates,
  timestampAnnotation,
  type ErrorCode,
  type OperationType,
} from './constants.js';
import { determineErrorCodes } from './error-codes.js';
import { redactText } from '../log/redact.js';
import { textLimits, truncateText } from '../log/truncate.js';
import type { ExtensionStatus, LastError, LastOperation } from './types.js';

/** Kubernetes `metav1.Time` text: RFC 3339 in UTC with whole seconds. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Gardener's `FormatLastErrDescription`: the first letter upper-cased. */
export function formatLastErrDescription(text: string): string {
  return text.length === 0 ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

function hasCodes(value: unknown): value is { codes: readonly ErrorCode[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { codes?: unknown }).codes);
}

/**
 * Gardener's `ExtractErrorCodes`: the codes carried by the error and every error in its `cause`
 * chain (and inside AggregateErrors), de-duplicated, in order of appearance.
 */
export function extractErrorCodes(err: unknown): ErrorCode[] {
  const codes: ErrorCode[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (value === undefined || value === null || seen.has(value)) return;
    seen.add(value);
    if (hasCodes(value)) for (const code of value.codes) if (!codes.includes(code)) codes.push(code);
    if (value instanceof AggregateError) for (const inner of value.errors) visit(inner);
    if (value instanceof Error) visit(value.cause);
  };
  visit(err);
  return codes;
}

function statusCodeOf(value: Error): number | undefined {
  const code = (value as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The codes of `lastError`: the ones the error carries (extractErrorCodes), then the ones
 * Gardener's `DetermineErrorCodes` rules derive from it (a webhook in the shoot, 401, 403, 429),
 * judged on every error of the `cause` chain by its own HTTP status and message, so a wrapping
 * message ("failed to apply …") does not hide the API server's answer. Carried codes come first
 * and are never dropped, so a configuration problem stays one (and terminal).
 */
export function determineLastErrorCodes(err: unknown): ErrorCode[] {
  const codes = extractErrorCodes(err);
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!(value instanceof Error) || seen.has(value)) return;
    seen.add(value);
    codes.push(...determineErrorCodes({ statusCode: statusCodeOf(value), message: value.message }, codes));
    if (value instanceof AggregateError) for (const inner of value.errors) visit(inner);
    visit(value.cause);
  };
  visit(err);
  return codes;
}

/**
 * Text as the status and gardenlet (which copies it into the Shoot) may show it: credential-shaped
 * parts redacted, at most 8 KiB, so a patch carrying it stays far below the API server's limits.
 */
export function boundStatusText(text: string): string {
  return truncateText(redactText(text), textLimits.statusText);
}

/** The message of any thrown value, bounded and with credential-shaped text redacted. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return boundStatusText(err.message);
  try {
    return boundStatusText(String(err));
  } catch {
    // An object without a usable toString (e.g. Object.create(null)).
    return 'unknown error';
  }
}

/** Status patch for `Processing`: lastOperation only (observedGeneration stays, as in Gardener). */
export function buildProcessingStatus(type: OperationType, description: string, now: Date): ExtensionStatus {
  const lastOperation: LastOperation = {
    type,
    state: operationStates.processing,
    progress: 1,
    description: boundStatusText(description),
    lastUpdateTime: formatTime(now),
  };
  return { lastOperation };
}

/**
 * Status patch for `Error`: lastOperation (progress 50) and lastError with the formatted
 * `<description>: <error>` and the error's codes, and observedGeneration.
 */
export function buildErrorStatus(
  type: OperationType,
  description: string,
  err: unknown,
  generation: number | undefined,
  now: Date,
): ExtensionStatus {
  const time = formatTime(now);
  const text = boundStatusText(formatLastErrDescription(`${description}: ${errorMessage(err)}`));
  const lastError: LastError = { description: text, lastUpdateTime: time };
  const codes = determineLastErrorCodes(err);
  if (codes.length > 0) lastError.codes = codes;
  const status: ExtensionStatus = {
    lastOperation: {
      type,
      state: operationStates.error,
      progress: 50,
      description: text,
      lastUpdateTime: time,
    },
    lastError,
  };
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}

/** Status patch for `Succeeded`: lastOperation (progress 100), lastError cleared, observedGeneration. */
export function buildSuccessStatus(
  type: OperationType,
  description: string,
  generation: number | undefined,
  now: Date,
): ExtensionStatus {
  const status: ExtensionStatus = {
    lastOperation: {
      type,
      state: operationStates.succeeded,
      progress: 100,
      description,
      lastUpdateTime: formatTime(now),
    },
    lastError: null,
  };
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}

/**
 * Gardenlet's `CheckExtensionObject` as a pure function: `undefined` when gardenlet would accept
 * the object as ready, else why not. Used by tests and readiness reporting.
 */
export function evaluateExtensionReadiness(extension: {
  metadata: { generation?: number; annotations?: Record<string, string> };
  status?: ExtensionStatus;
}): string | undefined {
  const status = extension.status;
  if (status?.lastError) return `error during reconciliation: ${status.lastError.description}`;
  if (status?.observedGeneration !== extension.metadata.generation) return 'observed generation outdated';
  if (extension.metadata.annotations?.[operationAnnotation] !== undefined)
    return 'operation annotation present';
  const lastOperation = status?.lastOperation;
  if (!lastOperation) return 'last operation missing';
  if (lastOperation.state !== operationStates.succeeded) return `last operation is ${lastOperation.state}`;
  const timestamp = extension.metadata.annotations?.[timestampAnnotation];
  if (timestamp) {
    const seconds = Math.floor(Date.parse(timestamp) / 1000);
    if (seconds > Math.floor(Date.parse(lastOperation.lastUpdateTime) / 1000))
      return 'timestamp newer than last operation';
  }
  return undefined;
}
