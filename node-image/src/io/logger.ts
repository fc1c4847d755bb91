// Structured logging as an injected dependency; io/real binds pino. Formatting costs nothing
// when a level is off (STYLE.md rule 17): callers pass objects, never pre-built strings.

export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(fields: object): Logger;
  isDebugEnabled(): boolean;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
  isDebugEnabled() {
    return false;
  },
};
