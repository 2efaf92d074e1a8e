/**
 * The kernel's own log. It goes to the process's stderr, which Jupyter servers keep in their log;
 * user output never passes through here.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

const threshold = LEVELS[(process.env.JOVIAL_LOG_LEVEL as LogLevel) ?? "info"] ?? LEVELS.info;
const write = process.stderr.write.bind(process.stderr);

export function log(level: LogLevel, message: string): void {
  if (LEVELS[level] < threshold) return;
  write(`[jovial ${level} ${new Date().toISOString()}] ${message}\n`);
}
