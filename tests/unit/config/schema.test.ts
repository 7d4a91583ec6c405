import { describe, expect, test } from 'vitest';
import { configSchema, gitPushMode } from '../../../src/config/schema.js';

const notes = (n: Record<string, unknown>) => configSchema.safeParse({ notes: n });

describe('configSchema notes', () => {
  test('defaults: the newest era and Lix paths', () => {
    const c = configSchema.parse({});
    expect(c.notes).toMatchObject({
      style: 'lix-2.95',
      fragments: 'doc/manual/rl-next',
      'output-dir': 'doc/manual/src/release-notes',
    });
  });
  test('every era is a style; nothing else is', () => {
    for (const style of ['lix-2.91', 'lix-2.93', 'lix-2.94', 'lix-2.95'])
      expect(notes({ style }).success).toBe(true);
    const r = notes({ style: 'lix-2.92' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe(
      "'lix-2.92' is not a notes style; use one of lix-2.91, lix-2.93, lix-2.94, lix-2.95",
    );
  });
  test('notes paths stay in the repository: no absolute path, no .., no control character, not .git', () => {
    for (const p of ['doc/x', './doc/x', 'a..b/c', '.github/x', 'doc/.git-notes'])
      expect(notes({ 'output-dir': p }).success, p).toBe(true);
    for (const p of ['/tmp/x', '../x', 'doc/../../x', 'doc\\..\\x', '.git', './.git/hooks', 'a\nb', 'a\0b'])
      expect(notes({ 'output-dir': p }).success, JSON.stringify(p)).toBe(false);
  });
});

describe('configSchema environments: git', () => {
  const env = (e: Record<string, unknown>) => configSchema.safeParse({ environments: { staging: e } });
  const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

  test('git-push: direct or gerrit, unset meaning direct', () => {
    const c = configSchema.parse({ environments: { staging: { 'git-remote': 'ssh://h/r' } } });
    expect(gitPushMode(c.environments.staging!)).toBe('direct');
    expect(env({ 'git-push': 'gerrit' }).success).toBe(true);
    expect(env({ 'git-push': 'force' }).error?.issues[0]?.message).toBe(
      "'force' is not a way to push; use one of direct, gerrit",
    );
  });

  test('known-hosts: one string of lines or a list, comments dropped, every line a host key', () => {
    const c = configSchema.parse({
      environments: {
        staging: { 'known-hosts': `# gerrit\n[gerrit.example.org]:2022 ssh-ed25519 ${KEY}\n` },
      },
    });
    expect(c.environments.staging?.['known-hosts']).toEqual([`[gerrit.example.org]:2022 ssh-ed25519 ${KEY}`]);
    expect(env({ 'known-hosts': [`a ssh-ed25519 ${KEY}`, `b ssh-ed25519 ${KEY}`] }).success).toBe(true);
    expect(env({ 'known-hosts': [`a ssh-ed25519 ${KEY}`, 'b'] }).error?.issues[0]?.message).toMatch(
      /^line 2 is not a known_hosts line: /,
    );
    expect(env({ 'known-hosts': 5 }).error?.issues[0]?.message).toMatch(
      /^known_hosts lines: a string, or a list/,
    );
  });

  test('git-remote: nothing git or ssh would read as an option, no transport helper', () => {
    expect(env({ 'git-remote': 'ssh://releng@gerrit.lix.systems:2022/lix' }).success).toBe(true);
    expect(env({ 'git-remote': '--upload-pack=touch PWNED;x@y:z' }).error?.issues[0]?.message).toBe(
      `'--upload-pack=touch PWNED;x@y:z' is not a git remote: it starts with "-", so git would read it as an option`,
    );
    expect(env({ 'git-remote': 'ext::sh -c x' }).success).toBe(false);
  });
});
