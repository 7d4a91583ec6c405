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

  test('extensions in any case; an uncompressed NAR and the .ls listings too', () => {
    expect(contentTypeOf('manual/lix/stable/css/chrome.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/searcher.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/FontAwesome/fonts/x.woff2')).toBe('font/woff2');
    expect(contentTypeOf('nar/abc.nar')).toBe('application/x-nix-nar');
    expect(contentTypeOf('abc.ls')).toBe('application/json');
    expect(contentTypeOf('lix/lix-2.93.0/lix-2.93.0.tar.xz.sha256')).toBe('text/plain; charset=utf-8');
    expect(contentTypeOf('manifest.nix')).toBe('text/plain; charset=utf-8');
  });

  test('a leading dot is no extension, an unknown one is an octet stream, the directory never decides', () => {
    expect(contentTypeOf('docs/.html')).toBe('application/octet-stream');
    expect(contentTypeOf('lix/lix-2.93.0/x.drv')).toBe('application/octet-stream');
    expect(contentTypeOf('a.html/readme')).toBe('application/octet-stream');
  });
});
