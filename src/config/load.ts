import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { RelengError } from '../errors.js';
import { describeFsError, readText } from './checkout.js';
import { type Config, configSchema, type EnvironmentConfig, LOCAL_ENVIRONMENT } from './schema.js';
import { yamlToJs } from './yaml.js';

export interface LoadedConfig extends Config {
  /** The file it came from, or undefined when defaults were used (no releng.yml). */
  file?: string;
}

/** The config a stage reads when none is named; the only one that may be absent. */
export const DEFAULT_CONFIG = 'releng.yml';
/** releng.yml is a few KiB; a bound keeps a huge file from being parsed at all. */
export const CONFIG_MAX_BYTES = 1 << 20;

/**
 * Loads and validates releng.yml. Only the default file (named `releng.yml`) may be absent — then Lix's
 * defaults apply; a config named otherwise must exist. Errors name file:line and key path.
 */
export function loadConfig(
  file: string,
  { optional = path.basename(file) === DEFAULT_CONFIG } = {},
): LoadedConfig {
  let present: boolean;
  try {
    fs.lstatSync(file);
    present = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new RelengError(`${file}: ${describeFsError(e)}`);
    present = false;
  }
  if (!present) {
    if (!optional) throw new RelengError(`${file}: not found; create it or pass 'config:' with its path`);
    return configSchema.parse({});
  }
  return { ...parseConfig(readText(file, file, CONFIG_MAX_BYTES), file), file };
}

export function parseConfig(text: string, file = 'releng.yml'): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    throw new RelengError(`${file}:${line}: YAML syntax error: ${e.message.split('\n')[0]}; fix the YAML`);
  }
  const data = yamlToJs(doc, file) ?? {};
  // zod drops a `__proto__` key without a word (an object's prototype is no config): refused by name.
  const proto = protoKeyPath(data);
  if (proto) {
    const line = lineOf(doc, lc, proto);
    throw new RelengError(
      `${file}${line ? `:${line}` : ''}: key '${proto.join('.')}': '__proto__' is not a name releng.yml can use; rename it`,
    );
  }
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const keyPath = [...issue.path];
  if (issue.code === 'unrecognized_keys') keyPath.push(issue.keys[0]!);
  const line = lineOf(doc, lc, keyPath);
  const where = `${file}${line ? `:${line}` : ''}`;
  const key = keyPath.map(String).join('.') || '(top level)';
  throw new RelengError(`${where}: key '${key}': ${describeIssue(issue)}`);
}

/** The path of the first `__proto__` key in parsed YAML, if any. */
function protoKeyPath(data: unknown, at: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const [k, v] of Object.entries(data)) {
    const here = [...at, Array.isArray(data) ? Number(k) : k];
    if (k === '__proto__') return here;
    const below = protoKeyPath(v, here);
    if (below) return below;
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return 'unknown key; remove it or check its spelling (see docs/configuration.md)';
  if (issue.code === 'invalid_type') return `expected ${issue.expected}; see docs/configuration.md`;
  return `${issue.message}; see docs/configuration.md`;
}

function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lc: LineCounter,
  keyPath: PropertyKey[],
): number | undefined {
  // Walk down as far as the path exists; point at the key itself when it is a map entry.
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: number[] })?.range?.[0];
  for (const k of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === k);
      if (!pair) break;
      offset = (pair.key as { range?: number[] })?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof k === 'number') {
      node = node.items[k];
      offset = (node as { range?: number[] })?.range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

/** The named environment, with `local` always available (its defaults need no configuration). */
export function environmentConfig(config: Config, environmentName: string): EnvironmentConfig {
  // Own keys only: 'constructor' or '__proto__' must not find Object.prototype's.
  if (Object.hasOwn(config.environments, environmentName)) return config.environments[environmentName]!;
  if (environmentName === 'local')
    return { ...LOCAL_ENVIRONMENT, registries: LOCAL_ENVIRONMENT.registries.map((r) => ({ ...r })) };
  const known = ['local', ...Object.keys(config.environments).filter((n) => n !== 'local')];
  throw new RelengError(
    `environment '${environmentName}' is not defined in releng.yml 'environments:'; known: ${known.join(', ')}`,
  );
}

/** Sinks that are directories are relative to the working directory. */
export function resolveSink(sink: string, dir: string): string {
  return /^[a-z0-9]+:\/\//i.test(sink) || sink.startsWith('oci-layout:') ? sink : path.resolve(dir, sink);
}
