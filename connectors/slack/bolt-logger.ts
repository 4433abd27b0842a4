import { LogLevel, type Logger } from '@slack/bolt';
import { format } from 'node:util';
import type { SlackLogger } from './slack.types';

/** Bolt and the OAuth library log through the server's logger. */
export function boltLogger(logger: SlackLogger): Logger {
  let level: LogLevel = LogLevel.INFO;
  const at = (write: (obj: object, msg?: string) => void) => (...msg: unknown[]) => write.call(logger, { source: 'bolt' }, format(...msg));
  return {
    debug: at(logger.debug),
    info: at(logger.info),
    warn: at(logger.warn),
    error: at(logger.error),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
