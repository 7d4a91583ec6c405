import type { Config, EnvironmentConfig } from '../config/schema.js';
import type { VersionInfo } from '../config/version.js';
import type { ForgeClient, ForgeRelease, ReleaseFields } from '../forge/client.js';
import { formatBytes, type Logger } from '../log.js';
import {
  belowVersionDir,
  inVersionDir,
  manualLabel,
  manualPrefix,
  names,
  parseInstaller,
  type TreeFile,
} from '../release/tree.js';
import { ensureSha256 } from '../storage/hash.js';
import { markdownText, markdownUrl } from '../summary.js';
import { versionNotes } from './notes.js';
import { newStep, type PlanStep } from './plan.js';
import type { ReleaseInput } from './release-input.js';

export interface ReleaseLink {
  name: string;
  url: string;
  size: number;
  sha256: string;
  /** The file, to hash when its sha256 is not known yet. */
  source?: string;
}

export interface PageContent {
  tag: string;
  title: string;
  notes: string | undefined;
  links: ReleaseLink[];
  /** Extra lines under the links: the binary cache, the manual. */
  extra: string[];
  prerelease: boolean;
  latest: boolean;
}

/** The page body: the notes, then (where the forge has no link assets) a table of downloads. */
export function releaseBody(c: PageContent, linkAssets: boolean): string {
  const parts = [c.notes?.trim() || `Release ${c.tag}.`];
  if (!linkAssets && c.links.length) {
    parts.push(
      [
        '### Downloads',
        '',
        '| file | size | sha256 |',
        '| --- | --- | --- |',
        ...c.links.map(
          (l) =>
            `| [${markdownText(l.name)}](${markdownUrl(l.url)}) | ${formatBytes(l.size)} | \`${l.sha256}\` |`,
        ),
      ].join('\n'),
    );
  }
  if (c.extra.length) parts.push(c.extra.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

export type PageAction = 'create' | 'update' | 'unchanged';

export interface PageResult {
  action: PageAction;
  url?: string;
  links: { name: string; action: 'add' | 'update' | 'unchanged' | 'kept' }[];
}

/**
 * The forge release page is a pointer: created when missing, updated when its text differs, left alone when
 * equal. Links become external assets on Forgejo (added, or re-pointed when their URL changed; uploaded
 * assets of the same name are kept); on GitHub they are part of the body.
 */
export async function syncReleasePage(
  client: ForgeClient,
  c: PageContent,
  o: { dryRun: boolean; log: Logger },
): Promise<PageResult> {
  const fields: ReleaseFields = {
    tag: c.tag,
    name: c.title,
    body: releaseBody(c, client.linkAssets),
    prerelease: c.prerelease,
    latest: c.latest,
  };
  const existing = await client.getByTag(c.tag);
  let action: PageAction;
  let release: ForgeRelease | undefined = existing;
  if (!existing) action = 'create';
  else if (
    existing.name !== fields.name ||
    existing.body.trim() !== fields.body.trim() ||
    existing.prerelease !== fields.prerelease
  )
    action = 'update';
  else action = 'unchanged';
  if (!o.dryRun) {
    if (action === 'create') release = await client.create(fields);
    else if (action === 'update' && existing) release = await client.update(existing.id, fields);
  }
  const links: PageResult['links'] = [];
  if (client.linkAssets) {
    for (const l of c.links) {
      const asset = release?.assets.find((a) => a.name === l.name);
      if (!asset) {
        links.push({ name: l.name, action: 'add' });
        if (!o.dryRun && release) await client.addLink(release.id, l.name, l.url);
      } else if (!asset.external) links.push({ name: l.name, action: 'kept' });
      else if (asset.url !== l.url) {
        links.push({ name: l.name, action: 'update' });
        if (!o.dryRun && release) await client.updateLink(release.id, asset.id, l.url);
      } else links.push({ name: l.name, action: 'unchanged' });
    }
  }
  o.log.info(
    `release page ${c.tag} on ${client.kind} (${client.repository}): ${action}${o.dryRun ? ' (dry run)' : ''}`,
  );
  return { action, url: release?.htmlUrl, links };
}

/**
 * What the release page of this version says: its section of the release notes, the version directory's
 * files and the installers as links (public-urls in releng.yml), the cache with its public key, the manual.
 */
export async function pageContent(o: {
  dir: string;
  config: Config;
  environment: EnvironmentConfig;
  release: ReleaseInput;
  info: VersionInfo;
  latest: boolean;
  publicKey?: string;
  log: Logger;
}): Promise<PageContent> {
  const { name, product } = o.config;
  const { version, major } = o.info;
  const urls = o.environment['public-urls'] ?? {};
  const base = (u: string) => u.replace(/\/+$/, '');
  const links: ReleaseLink[] = [];
  const link = (linkName: string, url: string, f: TreeFile) =>
    links.push({ name: linkName, url, size: f.size, sha256: f.sha256, source: f.source });
  if (urls.releases)
    for (const f of o.release.files) {
      const file = belowVersionDir(name, version, f.path);
      if (file !== undefined && !file.includes('/')) link(file, `${base(urls.releases)}/${f.path}`, f);
    }
  if (urls.install)
    for (const f of o.release.files) {
      const system = parseInstaller(name, f.path);
      const inst = system && names.installer(name, system);
      if (inst && !links.some((l) => l.name === inst))
        link(inst, `${base(urls.install)}/${inVersionDir(name, version, inst)}`, f);
    }
  // The download table shows each file's sha256 (hashed now if the upload did not need it).
  for (const l of links) l.sha256 = await ensureSha256({ source: l.source, sha256: l.sha256 });
  const extra: string[] = [];
  if (urls.cache)
    extra.push(`Binary cache: ${base(urls.cache)}${o.publicKey ? ` (public key \`${o.publicKey}\`)` : ''}`);
  if (urls.docs && o.release.manualDir)
    extra.push(
      `Manual: ${base(urls.docs)}/${manualPrefix(name, manualLabel(o.info.officialRelease, major))}`,
    );
  if (!urls.releases) o.log.info('release page: no public-urls.releases in releng.yml, so no download links');
  return {
    tag: version,
    title: `${product} ${version}${o.info.releaseName ? ` "${o.info.releaseName}"` : ''}`,
    notes: versionNotes(o.dir, o.config.notes['output-dir'], product, version, major),
    links,
    extra,
    prerelease: !/^\d+\.\d+(\.\d+)?$/.test(version),
    latest: o.latest,
  };
}

/** The release page's step: what the page will say, and — in a dry run — what syncing it would do. */
export async function planReleasePage(o: {
  forge?: ForgeClient;
  /** Preflight's notes on the forge (no forge, no token). */
  notes: string[];
  /** `skip: release-page` was given. */
  skip: boolean;
  content: () => Promise<PageContent>;
  dryRun: boolean;
  log: Logger;
}): Promise<{ step: PlanStep; content?: PageContent; result?: PageResult }> {
  const notes = [...o.notes];
  if (!o.forge)
    return {
      step: newStep('release-page', { notes, skipped: o.skip ? 'skip: release-page' : notes[0] }),
    };
  const content = await o.content();
  const result = o.dryRun ? await syncReleasePage(o.forge, content, { dryRun: true, log: o.log }) : undefined;
  if (result) notes.push(result.action);
  const target = `${o.forge.kind}:${o.forge.repository}`;
  return { step: newStep('release-page', { target, notes }), content, result };
}
