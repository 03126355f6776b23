// The catalogue half of a worker's start-up, timed in a real dedicated worker: load (cold: stream, check, decode,
// cache; warm: read the cached pieces), wrap as a RankModel, then one recommend after a 20-event history.
import { loadCatalog, type LoadProgress } from '../../src/catalog';
import { createProfile, foldEvent } from '../../src/profile';
import { createRankModel, recommend } from '../../src/rank';
import { openStore } from '../../src/store';

let kept: unknown;

self.onmessage = async ({ data }: MessageEvent<{ url: string }>) => {
  try {
    const started = performance.now();
    const store = openStore('bench-catalog-startup', { maxEvents: 100, maxAgeDays: 30 });
    const parts: Record<string, number> = {};
    // When each part's download (cold) or cache read (warm) finished, in ms since the start.
    const partDoneMs: Record<string, number> = {};
    const onProgress = (p: LoadProgress) => {
      if (p.part && p.phase === 'catalog-download') parts[p.part] = p.loaded;
      if (p.part && p.loaded === p.total) partDoneMs[`${p.phase}:${p.part}`] = Math.round(performance.now() - started);
    };
    const loaded = await loadCatalog(data.url, { baseUrl: self.location.href, cache: store.catalogCache, onProgress });
    const loadMs = performance.now() - started;
    const { catalog } = loaded;
    const model = createRankModel({ columns: catalog.columns, rows: catalog.embeddings!.rows, records: catalog.records });
    const readyMs = performance.now() - started;
    const profile = createProfile(model.dim);
    const now = Date.now();
    for (let i = 0; i < 20; i++) {
      foldEvent(profile, { type: i % 5 ? 'view' : 'add_to_cart', itemId: model.ids[(i * 7919) % model.count]!, ts: now - (20 - i) * 60_000 }, { space: model, attributesOf: (k) => model.attributesOf(k) });
    }
    // The first call includes compiling the scan; the later ones are what a visitor waits for.
    const times: number[] = [];
    let results = recommend(model, profile, { k: 10, now });
    for (let r = 0; r < 6; r++) {
      const t = performance.now();
      results = recommend(model, profile, { k: 10, now });
      times.push(performance.now() - t);
    }
    const recommendMs = times.sort((a, b) => a - b)[3]!;
    const titles = results.map((r) => catalog.records.get(r.index).title);
    kept = { model, catalog };
    const bytes = (a: ArrayBufferView | undefined) => a?.byteLength ?? 0;
    postMessage({
      fromCache: loaded.fromCache,
      cacheWrite: loaded.cacheWrite ?? null,
      loadMs,
      readyMs,
      recommendMs,
      count: model.count,
      dim: model.dim,
      parts,
      partDoneMs,
      int8Bytes: bytes(model.rows.values) + bytes(model.rows.scales),
      firstTitles: titles.slice(0, 3),
    });
  } catch (error) {
    postMessage({ error: String((error as Error)?.stack ?? error) });
  }
  void kept;
};
