import readline from 'node:readline/promises';
import { outputString, type StageCommand } from './commands/command.js';
import { COMMANDS, findCommand } from './commands/index.js';
import { bareConfirmAllowed } from './config/confirmation.js';
import { describeError, RelengError } from './errors.js';
import { Inputs, mapInputs, SECRET_INPUTS } from './inputs.js';
import { ConsoleLogger } from './log.js';
import { renderText } from './summary.js';

/** The seed's command names (`python -m releng build|upload`), for people who know them. */
export const ALIASES: Readonly<Record<string, string>> = { build: 'build-artifacts', upload: 'publish' };

/**
 * `releng <stage> --kebab-options`: the same stages as the actions, for laptops and rehearsals.
 * Outputs go to stdout as `name=value` lines; logs and the summary to stderr.
 */
export function parseArgs(command: StageCommand, args: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m)
      throw new RelengError(
        `unexpected argument '${arg}': options look like --name value (see releng ${command.name} --help)`,
      );
    const name = m[1]!;
    // The seed's `--noconfirm`: a bare confirm, which confirmRelease accepts only off runners.
    if (name === 'noconfirm' && m[2] === undefined && command.inputs.includes('confirm')) {
      values.confirm = 'true';
      continue;
    }
    if (!command.inputs.includes(name))
      throw new RelengError(
        `unknown option --${name} for 'releng ${command.name}': known options are ${command.inputs.map((n) => `--${n}`).join(', ')}`,
      );
    let value = m[2];
    if (value === undefined) {
      const next = args[i + 1];
      if (next !== undefined && (!next.startsWith('--') || SECRET_INPUTS.includes(name))) {
        value = next;
        i++;
      } else value = 'true';
    }
    // Repeated list options accumulate, as a multi-line input would.
    values[name] = values[name] !== undefined ? `${values[name]}\n${value}` : value;
  }
  return values;
}

function usage(): string {
  return [
    'usage: releng <stage> [--option value ...]',
    '',
    'stages:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.description}`),
    '',
    `aliases: ${Object.entries(ALIASES)
      .map(([alias, name]) => `${alias} = ${name}`)
      .join(', ')}; --noconfirm = --confirm (on a terminal only)`,
    '',
    'Each option is the input of the same name in actions/<stage>/action.yml; `releng <stage> --help` lists them.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [stage, ...rest] = argv;
  if (!stage || stage === '--help' || stage === '-h' || stage === 'help') {
    process.stdout.write(`${usage()}\n`);
    return stage ? 0 : 2;
  }
  const command = findCommand(Object.hasOwn(ALIASES, stage) ? ALIASES[stage]! : stage);
  const log = new ConsoleLogger();
  if (!command) {
    process.stderr.write(`releng: unknown stage '${stage}'\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(
      `usage: releng ${command.name} ${command.inputs.map((n) => `[--${n} …]`).join(' ')}\n${command.description}\n`,
    );
    return 0;
  }
  try {
    if (rest.includes('--noconfirm') && !bareConfirmAllowed(process.env))
      throw new RelengError(
        "--noconfirm is for a terminal: on a runner pass --confirm 'I want to release this to ENV' (ENV: the environment)",
      );
    const inputs = new Inputs(mapInputs(parseArgs(command, rest)));
    const ask = process.stdin.isTTY
      ? async (q: string) => {
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await rl.question(q);
          } finally {
            rl.close();
          }
        }
      : undefined;
    const outcome = await command.run(inputs, { log, processEnv: process.env, cwd: process.cwd(), ask });
    if (outcome.summary) log.info(renderText(outcome.summary));
    for (const [k, v] of Object.entries(outcome.outputs))
      process.stdout.write(`${k}=${log.maskOutput(outputString(v))}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`releng ${command.name}: error: ${log.maskText(describeError(err))}\n`);
    return 1;
  }
}
