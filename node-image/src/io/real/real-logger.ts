// pino-backed Logger. JSON lines to stdout (or a file descriptor), level from config.
import { pino } from 'pino';
import type { Logger } from '../logger.ts';

function wrap(p: pino.Logger): Logger {
  return {
    debug: (fields, message) => p.debug(fields, message),
    info: (fields, message) => p.info(fields, message),
    warn: (fields, message) => p.warn(fields, message),
    error: (fields, message) => p.error(fields, message),
    child: (fields) => wrap(p.child(fields)),
    isDebugEnabled: () => p.isLevelEnabled('debug'),
  };
}

export function createRealLogger(options: { level: string; name: string; destinationFd?: number }): Logger {
  const destination = pino.destination({ fd: options.destinationFd ?? 1, sync: false });
  return wrap(pino({ level: options.level, name: options.name, base: { pid: process.pid } }, destination));
}
