import pino from "pino";

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Write human-oriented lines instead of JSON (the sandbox on a terminal). */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? "info",
    base: { svc: "aloft" },
    redact: { paths: ["*.password", "*.secret", "*.token", "*.authorization", "headers.authorization"], remove: true },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
