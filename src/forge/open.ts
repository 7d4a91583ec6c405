import type { ForgeConfig } from '../config/schema.js';
import type { ForgeClient } from './client.js';
import { ForgejoClient } from './forgejo.js';
import { GitHubClient } from './github.js';

export function openForge(config: ForgeConfig, token: string): ForgeClient {
  return config.type === 'github'
    ? new GitHubClient(config['api-url'], config.repository, token)
    : new ForgejoClient(config['api-url'], config.repository, token);
}
