import fastJsonPatch from 'fast-json-patch';
import pRetry, { AbortError } from 'p-retry';
import { isRecord } from '../api/is-record.js';
import { boundStatusText, formatLastErrDescription, formatTime } from '../gardener/status.js';
import type { Extension, ExtensionStatus, ObjectMeta } from '../gardener/types.js';
import type { Logger } from '../log/logger.js';
import { currentDate, systemClock, type Clock } from '../kube/clock.js';
import { statusCodeOf } from '../kube/errors.js';
import type { ExtensionStatusSession } from './actuator.js';

/** The port the status writer patches through (src/kube/extension-client.ts implements it). */
export interface StatusPatcher {
  patchExtensionStatus(
    extension: { metadata: ObjectMeta },
    status: ExtensionStatus,
    signal?: AbortSignal,
  ): Promise<Extension>;
}

/** RFC 7386 JSON merge patch applied to a JSON value (objects merge, `null` removes, the rest replaces). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result = new Map<string, unknown>(isRecord(target) ? Object.entries(target) : []);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) result.delete(key);
    else result.set(key, applyMergePatch(result.get(key), value));
  }
  return Object.fromEntries(result);
}

/**
 * The final bound on every text a status patch carries (descriptions, condition messages): whatever
 * a caller built, the patch stays far below the API server's request limit, so an error is always
 * recorded, and holds no credential-shaped text. Returns the patch itself when nothing changes.
 */
export function boundStatusPatch(patch: ExtensionStatus): ExtensionStatus {
  const bounded: ExtensionStatus = { ...patch };
  if (patch.lastOperation) {
    bounded.lastOperation = {
      ...patch.lastOperation,
      description: boundStatusText(patch.lastOperation.description),
    };
  }
  if (patch.lastError) {
    bounded.lastError = { ...patch.lastError, description: boundStatusText(patch.lastError.description) };
  }
  if (patch.conditions) {
    bounded.conditions = patch.conditions.map((condition) => ({
      ...condition,
      reason: boundStatusText(condition.reason),
      message: boundStatusText(condition.message),
    }));
  }
  return bounded;
}

/** Options of the {@link StatusWriter}. */
export interface StatusWriterOptions {
  patcher: StatusPatcher;
  logger: Logger;
  /** Deadline of each status write, independent of the reconcile deadline, so an
   * expired reconcile can still record its error. */
  writeTimeoutMs?: number;
  /** Attempts for transient failures of one write. */
  retries?: number;
  /** Time source (default the system clock). */
  clock?: Clock;
}

/**
 * The one writer of Extension status: every write is a merge patch on `/status`, skipped when it
 * would change nothing, and runs under its own fresh deadline, so a status is recorded even after
 * the reconcile deadline expired (the Go reference loses its Error status then).
 */
export class StatusWriter {
  private readonly writeTimeoutMs: number;
  private readonly retries: number;
  private readonly clock: Clock;

  constructor(private readonly options: StatusWriterOptions) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.clock = options.clock ?? systemClock;
  }

  /** The time written into status timestamps. */
  now(): Date {
    return currentDate(this.clock);
  }

  /** A status session for one reconcile of `extension`; it tracks the latest object written. */
  session(extension: Extension): StatusSession {
    return new StatusSession(this, extension);
  }

  /** Writes `patch` unless it changes nothing; returns the object after the write. */
  async write(extension: Extension, unbounded: ExtensionStatus): Promise<Extension> {
    const patch = boundStatusPatch(unbounded);
    const before = extension.status ?? {};
    const after = applyMergePatch(before, patch) as object;
    if (fastJsonPatch.compare(before, after).length === 0) return extension;
    const signal = AbortSignal.timeout(this.writeTimeoutMs);
    return pRetry(
      async () => {
        try {
          return await this.options.patcher.patchExtensionStatus(extension, patch, signal);
        } catch (err) {
          const code = statusCodeOf(err);
          // Client errors other than conflicts and throttling will not heal by retrying.
          if (code !== undefined && code >= 400 && code < 500 && code !== 409 && code !== 429) {
            throw new AbortError(err as Error);
          }
          throw err;
        }
      },
      { retries: this.retries, minTimeout: 100, maxTimeout: 2_000, signal },
    );
  }
}

/** One reconcile's view of an Extension's status (implements the actuator's session port). */
export class StatusSession implements ExtensionStatusSession {
  constructor(
    private readonly writer: StatusWriter,
    private latest: Extension,
  ) {}

  get current(): Extension {
    return this.latest;
  }

  /** Replaces the tracked object (after a metadata patch returned a newer one). */
  track(extension: Extension): void {
    this.latest = extension;
  }

  async patch(status: ExtensionStatus): Promise<void> {
    this.latest = await this.writer.write(this.latest, status);
  }

  async progress(description: string): Promise<void> {
    const lastOperation = this.latest.status?.lastOperation;
    if (!lastOperation) return;
    const text = formatLastErrDescription(description);
    if (lastOperation.description === text) return;
    await this.patch({
      lastOperation: { ...lastOperation, description: text, lastUpdateTime: formatTime(this.writer.now()) },
    });
  }
}
