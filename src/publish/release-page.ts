import type { ForgeClient, ForgeRelease, ReleaseFields } from '../forge/client.js';
import { formatBytes, type Logger } from '../log.js';

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
        ...c.links.map((l) => `| [${l.name}](${l.url}) | ${formatBytes(l.size)} | \`${l.sha256}\` |`),
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
