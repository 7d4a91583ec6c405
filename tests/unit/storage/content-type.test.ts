import { describe, expect, test } from 'vitest';
import { contentTypeOf } from '../../../src/storage/content-type.js';

describe('contentTypeOf', () => {
  test('the manual is served as a website', () => {
    expect(contentTypeOf('manual/lix/stable/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/css/chrome.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/searcher.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/FontAwesome/fonts/x.woff2')).toBe('font/woff2');
  });

  test('nix cache files get the types nix uploads them with', () => {
    expect(contentTypeOf('nix-cache-info')).toBe('text/x-nix-cache-info');
    expect(contentTypeOf('abc.narinfo')).toBe('text/x-nix-narinfo');
    expect(contentTypeOf('nar/abc.nar.zst')).toBe('application/x-nix-nar');
    expect(contentTypeOf('nar/abc.nar')).toBe('application/x-nix-nar');
    expect(contentTypeOf('abc.ls')).toBe('application/json');
  });

  test('release files by their last extension; names without one are octet streams', () => {
    expect(contentTypeOf('lix/lix-2.93.0/lix-2.93.0.tar.xz')).toBe('application/x-xz');
    expect(contentTypeOf('lix/lix-2.93.0/lix-2.93.0.tar.xz.sha256')).toBe('text/plain; charset=utf-8');
    expect(contentTypeOf('manifest.nix')).toBe('text/plain; charset=utf-8');
    expect(contentTypeOf('lix/lix-installer-x86_64-linux')).toBe('application/octet-stream');
    // A dot that starts the name is no extension; an unknown extension is an octet stream.
    expect(contentTypeOf('docs/.html')).toBe('application/octet-stream');
    expect(contentTypeOf('lix/lix-2.93.0/x.drv')).toBe('application/octet-stream');
    // The directory part never decides.
    expect(contentTypeOf('a.html/readme')).toBe('application/octet-stream');
  });
});
