import { describe, expect, test } from 'vitest';
import { contentTypeOf } from '../../../src/storage/content-type.js';

describe('content types', () => {
  test('content types: the manual as a website, nix cache files as nix serves them', () => {
    expect(contentTypeOf('manual/lix/stable/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/x.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('nar/abc.nar.zst')).toBe('application/x-nix-nar');
    expect(contentTypeOf('abc.narinfo')).toBe('text/x-nix-narinfo');
    expect(contentTypeOf('nix-cache-info')).toBe('text/x-nix-cache-info');
    expect(contentTypeOf('lix/lix-2.93.0/lix-2.93.0-x86_64-linux.tar.xz')).toBe('application/x-xz');
    expect(contentTypeOf('lix/lix-installer-x86_64-linux')).toBe('application/octet-stream');
  });
});
