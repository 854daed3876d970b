import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The platform logger: one JSON object per line on stdout. Credentials never reach a log line:
 * authorization headers and anything named like a key or secret are redacted.
 */
export function createLogger(opts: { level: LoggerOptions['level']; name?: string; destination?: pino.DestinationStream }): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'vm-platform',
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.key', '*.secret', '*.password'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
