import { readFile } from 'node:fs/promises';
import { assessSnapshot } from '../../shared/engine.ts';
import { RiskError } from '../../shared/risk/errors.ts';
import { InvalidInputError } from '../../shared/schemas/errors.ts';
import { StoreUnavailableError } from '../../shared/store/errors.ts';
import { adminCommand } from './admin.ts';
import { backtestCommand } from './backtest.ts';
import { costCommand } from './cost.ts';
import { EXIT_BAD_INPUT } from './command-line.ts';
import { marketCommand } from './market-import.ts';
import { replayCommand } from './replay.ts';


const USAGE = `Usage: softland <command>

Commands:
  assess [FILE|-]...   assess snapshots (JSON, docs/contract.md) and print each assessment as JSON
  replay [--json] [--seed N] [--accounts N] [--steps N] [--svg FILE]
                       replay liquidation policies along seeded price paths with a crash
  backtest --prices FILE.csv --profile NAME [--horizon 24h] [--confidence 0.99] [--model fhs|ewma|garch] [--svg FILE] [--json]
                       backtest the margin of a unit perpetual on real candles (Kupiec, Christoffersen)
  cost --accounts N [--rps R] [--sweep-every 1m] [--idempotency] [--json]
                       estimate the monthly AWS cost and the capacity limits (docs/capacity.md)
  market import TENANT_ID --prices FILE.csv
                       load price history (hourly closes) into a tenant's market history
  tenant create NAME   create a tenant (exchange) in the configured DynamoDB
  key create|list|revoke TENANT_ID [KEY_ID] [--scope admin|liquidator|read]
                       issue, list or revoke a tenant's API keys
  help                 show this help
`;

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'assess':
      return assessCommand(args.length ? args : ['-'], io);
    case 'replay':
      return replayCommand(args, io);
    case 'backtest':
      return backtestCommand(args, io);
    case 'cost':
      return costCommand(args, io);
    case 'market':
      return withDatabase(io, () => marketCommand(args, io));
    case 'tenant':
    case 'key':
      return withDatabase(io, () => adminCommand(command, args, io));
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return 0;
    default:
      io.stderr(command === undefined ? USAGE : `softland: unknown command "${command}"\n\n${USAGE}`);
      return EXIT_BAD_INPUT;
  }
}

/** Runs a command that uses DynamoDB; an unreachable database is a one-line message and exit 1, not a stack trace. */
async function withDatabase(io: Io, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    io.stderr(`softland: the database is unavailable${cause} (DYNAMODB_ENDPOINT=${process.env['DYNAMODB_ENDPOINT'] ?? 'unset: AWS'})\n`);
    return 1;
  }
}

/** Assesses every file first, so that one bad file prints nothing at all on stdout. */
async function assessCommand(files: readonly string[], io: Io): Promise<number> {
  const bodies: string[] = [];
  for (const file of files) {
    const source = file === '-' ? 'stdin' : file;
    let text: string;
    try {
      text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
    } catch (error) {
      io.stderr(`softland: cannot read ${source}: ${(error as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    const failure = await badInput(async () => bodies.push(JSON.stringify(await assessSnapshot(parseJson(text)), null, 2)));
    if (failure) {
      io.stderr(failure.map((line) => `softland: ${source}: ${line}\n`).join(''));
      return EXIT_BAD_INPUT;
    }
  }
  io.stdout(bodies.map((b) => `${b}\n`).join(''));
  return 0;
}

class JsonSyntaxError extends Error {}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonSyntaxError(`(body): not valid JSON: ${(error as Error).message}`);
  }
}

/** Runs `fn`; returns the lines describing bad input, or undefined when it succeeded. Other errors propagate. */
async function badInput(fn: () => Promise<unknown>): Promise<string[] | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues.map((i) => `${i.field}: ${i.message}`);
    if (error instanceof RiskError) return [`${error.field ?? '(body)'}: ${error.message}`];
    if (error instanceof JsonSyntaxError) return [error.message];
    throw error;
  }
}
