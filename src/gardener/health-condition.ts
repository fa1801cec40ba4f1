import { buildCondition, findCondition } from './condition.js';
import { conditionStatuses, healthCheckReasons, type ConditionStatus } from './constants.js';
import type { Condition } from './types.js';

/** What a health check found for one condition type, before Gardener's Progressing rule. */
export interface HealthCheckResult {
  type: string;
  /** `progressing`: not healthy yet, but may become so by itself (e.g. a rollout). */
  outcome: 'healthy' | 'progressing' | 'unhealthy' | 'unknown';
  /** Reason for an unhealthy or unknown outcome (default: Gardener's). */
  reason?: string;
  message: string;
}

/**
 * The condition status Gardener's health-check library gives a progressing result: Progressing
 * when there was no condition yet, when it was True, or while it has not been non-True for longer
 * than `thresholdMs` since its last transition; False once that threshold passed or when it was
 * False already (a rollout does not make a broken component look better).
 */
export function evaluateProgressingStatus(
  existing: Condition | undefined,
  now: Date,
  thresholdMs: number,
): ConditionStatus {
  if (!existing) return conditionStatuses.progressing;
  if (existing.status === conditionStatuses.false) return conditionStatuses.false;
  if (existing.status === conditionStatuses.true) return conditionStatuses.progressing;
  const since = now.getTime() - Date.parse(existing.lastTransitionTime);
  return Number.isNaN(since) || since <= thresholdMs
    ? conditionStatuses.progressing
    : conditionStatuses.false;
}

/**
 * Builds one health condition the way Gardener's health-check reconciler does: True with
 * `HealthCheckSuccessful`, False with `HealthCheckUnsuccessful` (or the result's reason),
 * Progressing with `HealthCheckProgressing` under the threshold rule, Unknown for a check that
 * could not judge; `lastTransitionTime` moves only on a status change, `lastUpdateTime` on any
 * change of status, reason, message or codes (Gardener's condition builder).
 */
export function buildHealthCondition(
  existingConditions: readonly Condition[] | undefined,
  result: HealthCheckResult,
  now: Date,
  progressingThresholdMs: number,
): { condition: Condition; changed: boolean } {
  const existing = findCondition(existingConditions, result.type);
  let status: ConditionStatus;
  let reason: string;
  switch (result.outcome) {
    case 'healthy':
      status = conditionStatuses.true;
      reason = result.reason ?? healthCheckReasons.successful;
      break;
    case 'unknown':
      status = conditionStatuses.unknown;
      reason = result.reason ?? healthCheckReasons.checkError;
      break;
    case 'unhealthy':
      status = conditionStatuses.false;
      reason = result.reason ?? healthCheckReasons.unsuccessful;
      break;
    case 'progressing':
      status = evaluateProgressingStatus(existing, now, progressingThresholdMs);
      reason =
        status === conditionStatuses.progressing
          ? healthCheckReasons.progressing
          : (result.reason ?? healthCheckReasons.unsuccessful);
      break;
  }
  return buildCondition(existing, { type: result.type, status, reason, message: result.message }, now);
}
