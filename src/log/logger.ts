/** Key/value pairs of a log line; values are redacted before they are written. */
export type LogFields = Record<string, unknown>;

/** The structured logger every module takes as a parameter (winston lives in winston-logger.ts). */
export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry these fields too (e.g. `reconcileID`, an object reference). */
  child(fields: LogFields): Logger;
  /** A logger with a dotted sub-name, e.g. `controller.extension`. */
  named(name: string): Logger;
}

/** A logger that drops everything, for pure callers that want none. */
export const discardLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => discardLogger,
  named: () => discardLogger,
};
