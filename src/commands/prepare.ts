import { DEFAULT_CONFIG, loadConfig } from '../config/load.js';
import { identityFrom } from '../git/git.js';
import { prepare } from '../stages/prepare.js';
import { COMMON_INPUTS, commonOptions, type StageCommand } from './command.js';

export const prepareCommand: StageCommand = {
  name: 'prepare',
  description: 'Release notes from fragments: rl-MAJOR.md, SUMMARY.md, fragments removed, one commit',
  inputs: [
    'version',
    'release-name',
    'date',
    'no-commit',
    'git-user-name',
    'git-user-email',
    ...COMMON_INPUTS,
  ],
  async run(inputs, ctx) {
    const { dir, configPath } = commonOptions(inputs, ctx);
    // Only the default releng.yml may be absent (Lix's defaults); a config named otherwise must exist.
    const config = loadConfig(configPath, {
      optional: inputs.string('config', DEFAULT_CONFIG) === DEFAULT_CONFIG,
    });
    const r = await prepare({
      dir,
      config,
      version: inputs.string('version'),
      releaseName: inputs.string('release-name'),
      date: inputs.string('date'),
      noCommit: inputs.bool('no-commit'),
      identity: identityFrom(inputs.string('git-user-name'), inputs.string('git-user-email'), ctx.processEnv),
      log: ctx.log,
    });
    return {
      outputs: { version: r.version, major: r.major, 'notes-file': r.notesFile, commit: r.commit },
      summary: {
        title: `Release notes for ${config.product} ${r.version}`,
        blocks: [
          {
            table: {
              header: ['version', 'major', 'notes file', 'fragments', 'commit'],
              rows: [
                [
                  r.version,
                  r.major,
                  r.notesFile,
                  String(r.fragments),
                  r.commit ? r.commit.slice(0, 12) : '(no commit)',
                ],
              ],
            },
          },
          { heading: 'Rendered section', markdown: r.section.trimEnd() },
        ],
      },
    };
  },
};
