import { readFile } from 'node:fs/promises';
import type { PriceFile } from '../../shared/replay/candle-files.ts';

/**
 * What the `softland` commands share on their command lines: exit codes, the usage error
 * and its printing, the walk over `--name value`, `--name=value` and bare flags of the
 * commands that name their own errors (backtest, replay), and reading the files named.
 */

/** Exit codes of every command: 0 done, 1 unexpected failure, 2 bad input or usage. */
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** A command line the command cannot run: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The flags `parse` reads, or the command's exit code when there is nothing to run: 2 after
 * printing `parse`'s UsageError and the usage on stderr, 0 after printing the usage on
 * stdout when the flags ask for help.
 */
export function flagsOrExit<F extends { readonly help: boolean }>(command: string, usage: string, io: CommandIo, parse: () => F): F | number {
  let flags: F;
  try {
    flags = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`softland ${command}: ${error.message}\n\n${usage}`);
    return EXIT_BAD_INPUT;
  }
  if (flags.help) {
    io.stdout(usage);
    return 0;
  }
  return flags;
}

/** One argument of a command line, as eachFlag hands it over. */
export interface Flag {
  /** The argument as given. */
  readonly arg: string;
  /** `--svg` of `--svg=out.svg`; any other argument whole. */
  readonly name: string;
  /** The value given after `=`, if any. */
  readonly inline: string | undefined;
  /** The flag's value: after `=`, or the next argument (taken); a UsageError when there is none. */
  value(): string;
  /** value(), refused (UsageError) when empty: a file name. */
  fileName(): string;
  /** A UsageError when a flag that takes no value was given one (`--json=yes`). */
  noValue(): void;
  /** The UsageError for an argument the command does not take. */
  unknown(): UsageError;
}

/**
 * Hands `take` each argument of `args` in order. A flag's value() is the next argument
 * unless `isFlag` says it is another flag (default: it starts with `--`).
 */
export function eachFlag(args: readonly string[], take: (flag: Flag) => void, isFlag: (next: string) => boolean = (next) => next.startsWith('--')): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || isFlag(next)) throw new UsageError(`${name} needs a value`);
      i++;
      return next;
    };
    take({
      arg,
      name,
      inline,
      value,
      fileName: () => {
        const file = value();
        if (file === '') throw new UsageError(`${name} needs a file name`);
        return file;
      },
      noValue: () => {
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      },
      unknown: () => new UsageError(arg.startsWith('-') ? `unknown option "${arg}"` : `unexpected argument "${arg}"`),
    });
  }
}

/** The candle files `paths` names, read; or exit 2 after naming the one that cannot be read. */
export async function readPriceFiles(command: string, paths: readonly string[], io: CommandIo): Promise<PriceFile[] | number> {
  const files: PriceFile[] = [];
  for (const path of paths) {
    try {
      files.push({ source: path, text: await readFile(path, 'utf8') });
    } catch (error) {
      io.stderr(`softland ${command}: cannot read ${path}: ${(error as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  return files;
}
