import { errorCodes, type ErrorCode } from '../gardener/constants.js';

/** A field error as src/api reports it (structurally; src/api's FieldError fits). */
export interface FieldErrorLike {
  type: string;
  field: string;
  detail?: string;
}

/** An error that carries Gardener error codes; codes are found through `cause` chains too. */
export class CodedError extends Error {
  override readonly name: string = 'CodedError';
  constructor(
    message: string,
    readonly codes: readonly ErrorCode[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * An error that retrying cannot fix: the queue does not retry it; the next change of the object
 * queues it again (controller-runtime's TerminalError). Any error class may be one.
 */
export interface TerminalError extends Error {
  readonly terminal: true;
}

/**
 * The user's configuration is wrong (code `ERR_CONFIGURATION_PROBLEM`). Terminal: the queue does
 * not retry it; the next change of the Extension (a new generation) triggers the next attempt.
 */
export class ConfigurationError extends CodedError implements TerminalError {
  override readonly name = 'ConfigurationError';
  readonly terminal = true;
  constructor(
    message: string,
    readonly fieldErrors: readonly FieldErrorLike[] = [],
    options?: ErrorOptions,
  ) {
    super(message, [errorCodes.configurationProblem], options);
  }
}

/**
 * "Not done yet, come back in `requeueAfterMs`": a timed requeue without backoff. The cause (if
 * any) is still recorded as the error in status, as Gardener's `RequeueAfterError` does.
 */
export class RequeueAfterError extends Error {
  override readonly name = 'RequeueAfterError';
  constructor(
    readonly requeueAfterMs: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The first error of a class in the `cause` chain of `err`, if any. */
export function findError<T extends Error>(
  err: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof type) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}

/** Whether `err` itself (not its causes) says it is terminal. */
export function isTerminal(err: unknown): err is TerminalError {
  return err instanceof Error && (err as Partial<TerminalError>).terminal === true;
}

/**
 * Whether retrying `err` without a change to the object cannot help: an error in its `cause`
 * chain is terminal (e.g. a configuration problem).
 */
export function isTerminalError(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current: unknown = err; current instanceof Error && !seen.has(current); current = current.cause) {
    if (isTerminal(current)) return true;
    seen.add(current);
  }
  return false;
}
