// The eras of Lix's maintainers/build-release-notes.py, each checked byte for byte against Lix's own
// "release: release notes for X" commit (docs/architecture.md, "Release notes (prepare)").

import type { NotesStyle } from '../config/schema.js';

export type { NotesStyle };

/** Where a reference links: the GitHub repository (CppNix) or the Forgejo one (Lix). */
export interface Reference {
  forge: 'github' | 'forgejo';
  /** The link text. */
  text: string;
  /** The number, as Python's int() prints it (no leading zeros, no precision lost). */
  number: string;
}

export interface NotesEra {
  style: NotesStyle;
  /** `[!.]*.md` instead of `*.md` (2.94 on, Lix b0947777e): editors' dotfiles are not fragments. */
  skipDotfiles: boolean;
  /** A blank line after each heading, entry and category, none before a heading (2.93 on, Lix 7ae9480d9). */
  spaced: boolean;
  /** An issue/PR reference as written in a fragment: its link, or the reason it is refused. */
  reference(id: string, kind: 'issue' | 'PR'): Reference | { problem: string };
}

const digits = (s: string) => BigInt(s).toString();

/** 2.91/2.92: a bare number is CppNix's GitHub, shown as `#N`; `gh#` and `fj#` as written. */
function reference291(id: string, kind: string): Reference | { problem: string } {
  let m = /^(\d+)$/.exec(id);
  if (m) return { forge: 'github', text: `#${id}`, number: digits(m[1]!) };
  m = /^(gh|fj)#(\d+)$/.exec(id);
  if (m) return { forge: m[1] === 'gh' ? 'github' : 'forgejo', text: id, number: digits(m[2]!) };
  return { problem: `unrecognised ${kind} reference '${id}'; use 1234, gh#1234 or fj#1234` };
}

/** 2.93/2.94 (Lix 6bc008900): bare numbers banned; `nix#`/`lix#` beside `gh#`/`fj#`, text as written. */
function reference293(id: string, kind: string): Reference | { problem: string } {
  if (/^\d+$/.test(id))
    return {
      problem: `unprefixed ${kind} number '${id}' is disallowed until the Lix 2.95 cycle, when it becomes a Lix Forgejo reference; prefix it with fj# or lix# for Lix's Forgejo, gh# or nix# for CppNix's GitHub`,
    };
  const m = /^(gh|nix|fj|lix)#(\d+)$/.exec(id);
  if (m)
    return {
      forge: m[1] === 'gh' || m[1] === 'nix' ? 'github' : 'forgejo',
      text: id,
      number: digits(m[2]!),
    };
  return {
    problem: `unrecognised ${kind} reference '${id}'; use gh#1234, nix#1234, fj#1234 or lix#1234`,
  };
}

/**
 * 2.95 (Lix 9be0c2ee1, e00ee5954): a bare number is `lix#N`; `gh#`→`nix#` and `fj#`→`lix#` in the link
 * text (Python's str.replace, every occurrence); Lix's new wording for the rest.
 */
function reference295(id: string): Reference | { problem: string } {
  const unified = (/^\d+$/.test(id) ? `lix#${id}` : id).replaceAll('gh#', 'nix#').replaceAll('fj#', 'lix#');
  const m = /^(nix|lix)#(\d+)$/.exec(unified);
  if (m) return { forge: m[1] === 'nix' ? 'github' : 'forgejo', text: unified, number: digits(m[2]!) };
  return {
    problem: `unrecognized reference format: ${id}; use 1234 or lix#1234 for Lix's Forgejo, nix#1234 for CppNix's GitHub`,
  };
}

export const ERAS: Record<NotesStyle, NotesEra> = {
  'lix-2.91': { style: 'lix-2.91', skipDotfiles: false, spaced: false, reference: reference291 },
  'lix-2.93': { style: 'lix-2.93', skipDotfiles: false, spaced: true, reference: reference293 },
  'lix-2.94': { style: 'lix-2.94', skipDotfiles: true, spaced: true, reference: reference293 },
  'lix-2.95': { style: 'lix-2.95', skipDotfiles: true, spaced: true, reference: reference295 },
};
