/**
 * The conventions of every `jovial` subcommand, whichever package contributes it: options parsed by
 * `node:util` parseArgs (strict, so a misspelt option is an error, not ignored), one `UsageError`,
 * one help format (`--help` prints the usage and exits 0; a usage error prints its cause and the
 * usage on stderr and exits 2). Other errors are the caller's: bin/jovial.js prints their message.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs's complaints, in the words the subcommands use. */
function usageErrorOf(e: unknown): unknown {
  const error = e as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(error.message ?? "")?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${option}`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(/does not take an argument/.test(error.message ?? "") ? `${option} takes no value` : `${option} needs a value`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument: ${error.message}`);
    default:
      return e;
  }
}

const HELP = { help: { type: "boolean", short: "h" } } as const;
type CommandConfig<O extends CommandOptions> = { args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true };
export type ParsedCommand<O extends CommandOptions> = ReturnType<typeof parseArgs<CommandConfig<O>>>;

/** `args` parsed by `options` (with `help`/`h` added), positionals allowed. */
export function parseCommand<const O extends CommandOptions>(args: string[], options: O): ParsedCommand<O> {
  try {
    const config: CommandConfig<O> = { args, options: { ...options, ...HELP }, allowPositionals: true, strict: true };
    return parseArgs(config);
  } catch (e) {
    throw usageErrorOf(e);
  }
}

/**
 * Runs a subcommand's body under the common conventions: `--help` or `-h` anywhere prints `usage`
 * (exit 0); a UsageError prints its message and `usage` on stderr (exit 2).
 */
export async function runCommand(usage: string, args: string[], body: () => Promise<number> | number): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    return 0;
  }
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${usage}`);
      return 2;
    }
    throw e;
  }
}

/** A positive whole number from an option's text, or a UsageError naming the option. */
export function positiveInteger(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${option} ${text}: a positive integer`);
  return n;
}
