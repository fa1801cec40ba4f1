import type { ConditionStatus, ErrorCode } from './constants.js';
import { formatTime } from './status.js';
import type { Condition } from './types.js';

/** What a condition should say now; times are filled in by {@link buildCondition}. */
export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  codes?: ErrorCode[];
}

/**
 * Gardener's condition builder: `lastTransitionTime` moves only when the status changes,
 * `lastUpdateTime` when status, reason, message or codes change; `changed` says whether the
 * result differs from `existing`, so a no-op status write can be skipped.
 */
export function buildCondition(
  existing: Condition | undefined,
  update: ConditionUpdate,
  now: Date,
): { condition: Condition; changed: boolean } {
  const time = formatTime(now);
  const codes = update.codes && update.codes.length > 0 ? [...update.codes] : undefined;
  if (!existing) {
    const condition: Condition = {
      type: update.type,
      status: update.status,
      lastTransitionTime: time,
      lastUpdateTime: time,
      reason: update.reason,
      message: update.message,
    };
    if (codes) condition.codes = codes;
    return { condition, changed: true };
  }
  const statusChanged = existing.status !== update.status;
  const changed =
    statusChanged ||
    existing.reason !== update.reason ||
    existing.message !== update.message ||
    JSON.stringify(existing.codes ?? []) !== JSON.stringify(codes ?? []);
  if (!changed) return { condition: existing, changed: false };
  const condition: Condition = {
    type: update.type,
    status: update.status,
    lastTransitionTime: statusChanged ? time : existing.lastTransitionTime,
    lastUpdateTime: time,
    reason: update.reason,
    message: update.message,
  };
  if (codes) condition.codes = codes;
  return { condition, changed: true };
}

/** The condition of a type in a list, if any. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The list with `condition` replacing the one of its type (or appended), order kept. */
export function mergeConditions(
  conditions: readonly Condition[] | undefined,
  condition: Condition,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === condition.type);
  if (index === -1) list.push(condition);
  else list[index] = condition;
  return list;
}
