import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, type Recommender } from '../../src';
import { CHINESE_CATALOG, CHINESE_QUERIES } from '../fixtures/chinese-catalog';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

// The built worker bundle (`npm run build:lib`): it serves the bundled encoder and the ONNX Runtime files next to
// itself, so this is the default setup a site gets, offline, with nothing configured.
const workerUrl = new URL('/pocketrec.worker.js', location.href);
const live: Recommender[] = [];
let n = 0;
const start = async (catalog: typeof CHINESE_CATALOG) => {
  const rec = await createRecommender({ catalog, workerUrl, dbName: `lang-test-${Date.now()}-${n++}`, devices: ['wasm'] });
  live.push(rec);
  return rec;
};

afterEach(() => live.splice(0).forEach((r) => r.dispose()));

describe('languages (bundled English encoder, real worker)', () => {
  it('answers Chinese queries on words alone, and says so in status()', async () => {
    const rec = await start(CHINESE_CATALOG);
    const before = await rec.status();
    expect(before.encoder.device, JSON.stringify(before.encoder.skipped)).toBe('wasm');
    expect(before.encoder.id).toMatch(/^use-lite-int8@/);
    expect(before.encoder.languages).toEqual(['en']);
    expect(before.encoder.lexicalOnlyTexts).toBe(0);
    for (const { query, expected } of CHINESE_QUERIES) {
      const top = (await rec.search(query, 3)).map((r) => r.id);
      expect(top, query).toEqual(expect.arrayContaining(expected));
    }
    expect((await rec.status()).encoder.lexicalOnlyTexts).toBe(CHINESE_QUERIES.length);
    // A Chinese review is folded without a text vector: counted, and it still counts as interest in its item.
    await rec.track({ type: 'review', itemId: 'zk1', text: '这台咖啡机很好用，奶泡细腻。', rating: 5 });
    expect((await rec.status()).encoder.lexicalOnlyTexts).toBe(CHINESE_QUERIES.length + 1);
  }, 120_000);

  it('English queries still go through the encoder', async () => {
    const rec = await start(SMALL_CATALOG);
    expect((await rec.search('camping stove', 1))[0]!.id).toBe('t3');
    expect((await rec.status()).encoder.lexicalOnlyTexts).toBe(0);
  }, 120_000);
});
