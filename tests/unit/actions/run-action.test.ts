import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { runAction } from '../../../src/actions/run-action.js';
import type { StageCommand, StageContext } from '../../../src/commands/command.js';
import { RelengError } from '../../../src/errors.js';
import { parseCommandFile } from '../../helpers/action.js';
import { tmpDir } from '../../helpers/tmp.js';

const SECRET = 'hunter2-secret-value';
const saved = { ...process.env };
let stdout: string;
let files: { output: string; summary: string };

beforeEach(() => {
  const d = tmpDir();
  files = { output: path.join(d, 'output'), summary: path.join(d, 'summary') };
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  Object.assign(process.env, {
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    'INPUT_WORKING-DIRECTORY': ' sub ',
  });
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  process.exitCode = undefined;
});

const command = (run: StageCommand['run']): StageCommand => ({ name: 't', description: '', inputs: [], run });

describe('runAction', () => {
  test('inputs from INPUT_*, the process environment and directory as the context', async () => {
    let seen: StageContext | undefined;
    let dir: string | undefined;
    await runAction(
      command(async (inputs, ctx) => {
        seen = ctx;
        dir = inputs.string('working-directory');
        return { outputs: {} };
      }),
    );
    expect(dir).toBe('sub');
    expect(seen!.processEnv).toBe(process.env);
    expect(seen!.cwd).toBe(process.cwd());
    expect(seen!.ask).toBeUndefined();
  });

  test('a registered secret is masked for the runner and in every line, output and summary we write', async () => {
    await runAction(
      command(async (_, { log }) => {
        log.secret(SECRET);
        log.info(`token ${SECRET} from https://user:pw@host/x`);
        await log.group(`group ${SECRET}`, async () => log.warning(`careful with ${SECRET}`));
        return {
          outputs: { url: `https://x/${SECRET}`, count: 3, data: { a: 1 } },
          summary: { title: `Done ${SECRET}`, blocks: [{ table: { header: ['k'], rows: [[SECRET]] } }] },
        };
      }),
    );
    expect(stdout).toContain(`::add-mask::${SECRET}`);
    expect(stdout.split('\n').filter((l) => l.includes(SECRET))).toEqual([`::add-mask::${SECRET}`]);
    expect(stdout).toContain('token *** from https://***@host/x');
    expect(stdout).toContain('::group::group ***');
    expect(stdout).toContain('::warning::careful with ***');
    expect(parseCommandFile(fs.readFileSync(files.output, 'utf8'))).toEqual({
      url: 'https://x/***',
      count: '3',
      data: '{"a":1}',
    });
    const summary = fs.readFileSync(files.summary, 'utf8');
    expect(summary).toContain('## Done ***');
    expect(summary).not.toContain(SECRET);
    // The summary also goes to the log, as text (Forgejo renders no summaries).
    expect(stdout).toContain('Done ***\n');
    expect(process.exitCode).toBeUndefined();
  });

  test('a failure is one masked error line and a failed step', async () => {
    await runAction(
      command(async (_, { log }) => {
        log.secret(SECRET);
        throw new RelengError(`cannot use ${SECRET} at https://u:pw@host/`);
      }),
    );
    expect(stdout).toContain('::error::cannot use *** at https://***@host/');
    expect(process.exitCode).toBe(1);
  });
});
