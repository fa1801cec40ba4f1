import winston from 'winston';
import { redact } from './redact.js';
import type { LogFields, Logger } from './logger.js';

/** Log levels the CLI accepts. */
export const logLevels = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Log formats the CLI accepts: one JSON object per line, or human-readable text. */
export const logFormats = ['json', 'text'] as const;
export type LogFormat = (typeof logFormats)[number];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Root logger name, e.g. `shoot-flux`. */
  name: string;
  /** Where lines go; stderr by default, so stdout stays for command output. */
  stream?: NodeJS.WritableStream;
}

const renameFields = winston.format((info) => {
  // `ts` and `msg` as Gardener's zap logs name them.
  info.ts = new Date().toISOString();
  info.msg = info.message;
  delete (info as { message?: unknown }).message;
  return info;
});

const redactFields = winston.format((info) => {
  // The message too: it is meant to be static, but a line must never carry a secret either way.
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    info[key] = redact(info[key]);
  }
  return info;
});

class WinstonLogger implements Logger {
  constructor(
    private readonly base: winston.Logger,
    private readonly name: string,
    private readonly fields: LogFields,
  ) {}

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    this.base.log(level, msg, { logger: this.name, ...this.fields, ...fields });
  }

  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }
  child(fields: LogFields): Logger {
    return new WinstonLogger(this.base, this.name, { ...this.fields, ...fields });
  }
  named(name: string): Logger {
    return new WinstonLogger(this.base, `${this.name}.${name}`, this.fields);
  }
}

/** Creates the process logger: winston, JSON or text lines, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(redactFields(), renameFields(), winston.format.json())
      : winston.format.combine(
          redactFields(),
          winston.format.printf((info) => {
            const { level, message, logger, ...rest } = info;
            const pairs = Object.entries(rest)
              .filter(([key]) => typeof key === 'string')
              .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
              .join(' ');
            return `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${String(logger)} ${String(message)}${pairs ? ` ${pairs}` : ''}`;
          }),
        );
  const base = winston.createLogger({
    level: options.level,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format,
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stderr })],
  });
  return new WinstonLogger(base, options.name, {});
}
