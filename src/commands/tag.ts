import { identityFrom } from '../git/git.js';
import { tag } from '../stages/tag.js';
import { COMMON_INPUTS, commonOptions, type StageCommand } from './command.js';

export const tagCommand: StageCommand = {
  name: 'tag',
  description: 'Release commit (official_release = true), annotated tag, merge back to the branch',
  inputs: ['force-tag', 'no-check-git', 'git-user-name', 'git-user-email', ...COMMON_INPUTS],
  async run(inputs, ctx) {
    const { dir } = commonOptions(inputs, ctx);
    const r = await tag({
      dir,
      forceTag: inputs.bool('force-tag'),
      noCheckGit: inputs.bool('no-check-git'),
      identity: identityFrom(inputs.string('git-user-name'), inputs.string('git-user-email'), ctx.processEnv),
      log: ctx.log,
    });
    return {
      outputs: { version: r.version, tag: r.tag, commit: r.commit },
      summary: {
        title: `Tagged ${r.version}`,
        blocks: [
          { table: { header: ['tag', 'commit', 'merged into'], rows: [[r.tag, r.commit, r.branch]] } },
        ],
      },
    };
  },
};
