import { type CachePersistence, makeDockerMultiarchCommand } from '../commands/docker-multiarch.js';
import type { Logger } from '../log.js';
import { runAction } from './run-action.js';

const PREFIX = 'releng-oci-blobs-v1-';

/**
 * The diffID → blob cache kept between runs with the Actions cache service, where the runner has one
 * (GitHub; Forgejo runners with a cache server). Entries are immutable, so each run that learned
 * something saves under a new key and the next one restores the newest. Never fails a release.
 */
// Loaded only where a cache service may be (its URLs are set): @actions/cache brings an Azure storage
// client, tens of MB of memory.
async function actionsCacheModule() {
  if (!process.env.ACTIONS_CACHE_URL && !process.env.ACTIONS_RESULTS_URL) return undefined;
  const cache = await import('@actions/cache');
  return cache.isFeatureAvailable() ? cache : undefined;
}

const actionsCache: CachePersistence = {
  async restore(dir: string, log: Logger) {
    const cache = await actionsCacheModule();
    if (!cache) return void log.debug('no Actions cache service: the blob cache stays local');
    try {
      const hit = await cache.restoreCache([dir], `${PREFIX}${process.env.GITHUB_RUN_ID ?? 'local'}`, [
        PREFIX,
      ]);
      log.debug(hit ? `blob cache restored (${hit})` : 'no blob cache yet');
    } catch (e) {
      log.warning(
        `blob cache not restored (${(e as Error).message}); layers are found through the registries instead`,
      );
    }
  },
  async save(dir: string, log: Logger) {
    const cache = await actionsCacheModule();
    if (!cache) return;
    try {
      await cache.saveCache(
        [dir],
        `${PREFIX}${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}-${Date.now()}`,
      );
    } catch (e) {
      log.warning(`blob cache not saved (${(e as Error).message}); the next run asks the registries`);
    }
  },
};

void runAction(makeDockerMultiarchCommand(actionsCache));
