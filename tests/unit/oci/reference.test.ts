// Targets (registry/repository or oci-layout:DIR) and tag templates.
import { describe, expect, test } from 'vitest';
import { expandTag, isImmutableTemplate, parseTarget } from '../../../src/oci/reference.js';

describe('targets', () => {
  test.each([
    ['ghcr.io/lix-project/lix', { registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'lix-project/lix' }],
    ['127.0.0.1:5000/org/project', { registry: '127.0.0.1:5000', repository: 'org/project' }],
    ['localhost/project', { registry: 'localhost', repository: 'project' }],
    [
      'docker://git.lix.systems/lix-project/lix',
      { registry: 'git.lix.systems', repository: 'lix-project/lix' },
    ],
    ['lix/lix', { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'lix/lix' }],
    ['nixos', { registry: 'docker.io', repository: 'library/nixos' }],
  ])('%s', (input, expected) => {
    expect(parseTarget(input, '/w')).toMatchObject({ kind: 'registry', ...expected });
  });

  test('oci-layout:DIR relative to the working directory', () => {
    expect(parseTarget('oci-layout:.releng/local/oci', '/w')).toEqual({
      kind: 'layout',
      ref: 'oci-layout:/w/.releng/local/oci',
      dir: '/w/.releng/local/oci',
    });
  });

  test.each([
    ['ghcr.io/org/project:2.93.0', /has a tag \(':2\.93\.0'\); give tags in 'tags'/],
    ['ghcr.io/org/project@sha256:abc', /names a digest/],
    ['project@sha256:abc', /names a digest/],
    ['bot:pa55@ghcr.io/org/project', /^targets: '\*\*\*@ghcr\.io\/org\/project' carries credentials/],
    ['https://ghcr.io/org/project', /is a URL/],
    ['ghcr.io/Org/Project', /not a valid repository name \(component 'Org'\)/],
    ['oci-layout:', /names no directory/],
  ])('%s is refused', (input, message) => {
    expect(() => parseTarget(input, '/w')).toThrow(message);
  });

  test('tag templates', () => {
    expect(expandTag('{version}', { version: '2.93.0', major: '2.93' })).toBe('2.93.0');
    expect(expandTag('v{major}-nix', { version: '2.93.0', major: '2.93' })).toBe('v2.93-nix');
    expect(() => expandTag('{release}', { version: '2.93.0', major: '2.93' })).toThrow(
      /unknown placeholder \{release\}/,
    );
    expect(() => expandTag('{version}', { version: '2.93.0+build', major: '2.93' })).toThrow(
      /not a valid tag/,
    );
    expect(isImmutableTemplate('{version}')).toBe(true);
    expect(isImmutableTemplate('{major}')).toBe(false);
  });
});
