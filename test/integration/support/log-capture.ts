import { Writable } from 'node:stream';
import type { Logger } from '../../../src/log/logger.js';
import { createLogger } from '../../../src/log/winston-logger.js';

/** The real JSON logger writing into memory: what the controller would print, for assertions. */
export function captureLogs(): {
  logger: Logger;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger({ level: 'debug', format: 'json', name: 'it', stream }),
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
