import { CATALOG_RANK_SETTINGS, type Catalog } from '../catalog';
import { DEFAULT_RANK_SETTINGS, type RankSettings } from '../rank';
import type { EngineConfig, Status } from './api';

/**
 * Precedence: the library's defaults, then the catalogue's tuned `settings.rank` (chosen by the build on this
 * site's log), then what the host set explicitly (`diversity`), which knows its page better than any log.
 */
export function engineRankSettings(catalog: Catalog, config: Pick<EngineConfig, 'diversity'>): RankSettings {
  return { ...DEFAULT_RANK_SETTINGS, ...catalog.settings?.rank, ...(config.diversity !== undefined ? { diversityLambda: config.diversity } : {}) };
}

export function settingsStatus(catalog: Catalog, config: Pick<EngineConfig, 'diversity'>): Status['settings'] {
  const applied = engineRankSettings(catalog, config);
  return { rank: Object.fromEntries(CATALOG_RANK_SETTINGS.map((k) => [k, applied[k]])) as Status['settings']['rank'], tuned: catalog.settings?.tuned ? { ...catalog.settings.tuned } : null };
}
