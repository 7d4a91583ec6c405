// The nix-eval-jobs path of the evaluator with a stand-in nix-eval-jobs on PATH (Debian has none; the nix
// eval path runs against real nix in tests/integration/nix-jobs.test.ts), and the Nix string escaping.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { evalJobs, nixString, splitInstallable } from '../../../src/nix/jobs.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('evalJobs with nix-eval-jobs on PATH', () => {
  test('its JSON lines, gc roots dir passed, an evaluation error per job named', async () => {
    const bin = tmpDir('releng-nej-');
    const argsFile = path.join(bin, 'args');
    const script = (lines: string[]) =>
      `#!/bin/sh\n[ "$1" = --help ] && exit 0\necho "$@" > ${argsFile}\ncat <<'EOF'\n${lines.join('\n')}\nEOF\n`;
    const nej = path.join(bin, 'nix-eval-jobs');
    const line = (attr: string, system: string) =>
      JSON.stringify({
        attr,
        attrPath: attr.split('.'),
        drvPath: `/nix/store/${attr}.drv`,
        name: attr,
        system,
        outputs: { out: `/nix/store/${attr}` },
      });
    fs.writeFileSync(
      nej,
      script([line('build.x86_64-linux', 'x86_64-linux'), line('build.aarch64-linux', 'aarch64-linux')]),
      { mode: 0o755 },
    );
    const PATH = process.env.PATH;
    process.env.PATH = `${bin}:${PATH}`;
    try {
      const jobs = await evalJobs(bin, '.#release-jobs', undefined, { gcRootsDir: '/tmp/roots' });
      expect(jobs.map((j) => [j.attr, j.system])).toEqual([
        ['build.aarch64-linux', 'aarch64-linux'],
        ['build.x86_64-linux', 'x86_64-linux'],
      ]);
      expect(fs.readFileSync(argsFile, 'utf8').trim()).toBe(
        '--extra-experimental-features nix-command flakes --force-recurse --gc-roots-dir /tmp/roots --flake .#release-jobs',
      );
      fs.writeFileSync(
        nej,
        script([
          JSON.stringify({
            attr: 'build.x86_64-linux',
            attrPath: ['build', 'x86_64-linux'],
            error: "error: undefined variable 'boom'",
          }),
        ]),
        { mode: 0o755 },
      );
      await expect(evalJobs(bin, '.#release-jobs')).rejects.toThrow(
        ".#release-jobs: evaluating build.x86_64-linux failed: error: undefined variable 'boom'; fix the flake",
      );
    } finally {
      process.env.PATH = PATH;
    }
  });
});

describe('flake paths and Nix strings', () => {
  test('a flake path splits into the flake, the attribute nix resolves and the rest', () => {
    expect(splitInstallable('.#hydraJobs.dockerImage.{system}.tarball')).toEqual({
      flake: '.',
      first: 'hydraJobs',
      rest: ['dockerImage', '{system}', 'tarball'],
    });
    expect(splitInstallable('github:lix-project/lix#hydraJobs.build.{system}').flake).toBe(
      'github:lix-project/lix',
    );
  });

  test('a Nix string literal escapes what would end it or interpolate', () => {
    expect(nixString('plain')).toBe('"plain"');
    expect(nixString(`a"b\\c\${d}$e`)).toBe(`"a\\"b\\\\c\\\${d}\\$e"`);
  });
});
