import { AutoTokenizer, env } from '@huggingface/transformers';
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { bertReferenceIds, bertReferenceVectors } from '../test/helpers/bert-reference';
import { cosine } from '../test/helpers/cosine';
import { expectedDevice, forbidForeignRequestsInEachTest } from './helpers';

// The tiny multilingual BERT written by scripts/generate-bert-fixture.mjs (English, French and German words with
// their accents, Chinese characters), served by scripts/serve.mjs under /fixtures/: the self-hosted path a Chinese
// or French shop takes with its own model.
const GENERATED = join(import.meta.dirname, '..', 'test/fixtures/generated');
const FIXTURE = 'tiny-bert-multilingual';
const MODEL = `/fixtures/${FIXTURE}/`;
// The unpublished worker that bundles transformers.js, as in transformers-encoder.spec.ts.
const WORKER = '/dist/test-worker/pocketrec.worker.js';
const LANGUAGES = ['zh', 'fr', 'en'];

// Items carry no embeddings: the worker embeds them with the model at start.
const ITEMS = [
  { id: 'z1', title: '男子跑步鞋', category: '运动鞋', description: '轻量透气，适合马拉松训练。' },
  { id: 'z2', title: '意式咖啡机', category: '咖啡', description: '家用咖啡机，可以打奶泡做拿铁。' },
  { id: 'z3', title: '明前龙井绿茶', category: '茶叶', description: '清香回甘。' },
  { id: 'z4', title: '双人露营帐篷', category: '户外', description: '防雨防风，快速搭建。' },
  { id: 'z5', title: '降噪蓝牙耳机', category: '数码', description: '无线蓝牙耳机，通勤安静听歌。' },
  { id: 'f1', title: 'Chaussures de course légères', category: 'sport', description: 'Pour la route, très bon amorti.' },
  { id: 'f2', title: 'Cafetière à piston', category: 'café', description: 'Un café crème chaud en quatre minutes.' },
  { id: 'f3', title: 'Thé vert de Chine', category: 'thé', description: 'Un thé léger pour l’été.' },
  { id: 'f4', title: 'Tente de randonnée', category: 'plein air', description: 'Deux places, montée en trois minutes.' },
  { id: 'f5', title: 'Écouteurs sans fil', category: 'audio', description: 'Réduction de bruit, très bonne qualité.' },
];
const QUERIES = { zh: ['跑步鞋', '咖啡机', '露营帐篷', '蓝牙耳机'], fr: ['chaussures de course', 'café crème', 'écouteurs sans fil'] };
const REVIEWS = {
  zh: [{ itemId: 'z2', text: '这台咖啡机很好用，奶泡很细腻。' }],
  fr: [{ itemId: 'f2', text: 'Très bon café, je le rachèterais encore.' }],
};
// Texts whose vectors the worker must agree on with Node: the queries and reviews, a Chinese item text, German.
const TEXTS = [...QUERIES.zh, ...QUERIES.fr, ...[...REVIEWS.zh, ...REVIEWS.fr].map((r) => r.text), '双人露营帐篷，防雨防风。', 'Größe für die Straße: Laufschuhe'];
const CHINESE_TEXTS = TEXTS.filter((t) => /\p{Script=Han}/u.test(t));

interface Run {
  status: { encoder: { id: string; device: string; dim: number; languages: string[] | 'any'; lexicalOnlyTexts: number } };
  lexicalOnlyAfterSearches: number;
  vectors: number[][];
  searches: Record<string, Array<{ id: string; score: number }>>;
}

interface Traffic {
  /** Texts to embed with `rec.embed`. */
  texts: string[];
  queries: string[];
  reviews: Array<{ itemId: string; text: string }>;
}
const ALL_TRAFFIC: Traffic = { texts: TEXTS, queries: [...QUERIES.zh, ...QUERIES.fr], reviews: [...REVIEWS.zh, ...REVIEWS.fr] };

/**
 * Starts a recommender on the fixture declaring `languages`, embeds the texts, runs the queries, tracks the
 * reviews, and disposes it. Each model run is slow on the software WebGPU adapter, so a test asks only for what it checks.
 */
async function runOnPage(page: Page, languages: string[], dbName: string, traffic: Traffic): Promise<Run> {
  return page.evaluate(
    async ({ encoder, dbName, items, texts, queries, reviews, workerUrl }) => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const rec = await createRecommender({ catalog: items, dbName, encoder, workerUrl });
      try {
        const vectors = texts.length > 0 ? (await rec.embed(texts)).map((v: Float32Array) => Array.from(v)) : [];
        const searches: Run['searches'] = {};
        for (const q of queries) searches[q] = (await rec.search(q, 3)).map((r: { id: string; score: number }) => ({ id: r.id, score: r.score }));
        const lexicalOnlyAfterSearches = (await rec.status()).encoder.lexicalOnlyTexts;
        for (const r of reviews) await rec.track({ type: 'review', itemId: r.itemId, text: r.text, rating: 5 });
        return { status: await rec.status(), lexicalOnlyAfterSearches, vectors, searches };
      } finally {
        rec.dispose();
      }
    },
    { encoder: { type: 'transformers', model: MODEL, languages }, dbName, items: ITEMS, ...traffic, workerUrl: WORKER },
  );
}

/** transformers.js' own tokenizer for a generated fixture, read from disk: the code the worker runs, in Node. */
async function fixtureTokenizer(name: string) {
  env.allowRemoteModels = false;
  env.localModelPath = `${GENERATED}/`;
  return AutoTokenizer.from_pretrained(name);
}


test.describe('a self-hosted multilingual transformers.js model', () => {
  forbidForeignRequestsInEachTest();

  test('its tokenizer gives real ids for Chinese, French and German, where the English fixture gives [UNK]', async () => {
    const tokenizer = await fixtureTokenizer(FIXTURE);
    const reference = await bertReferenceIds(join(GENERATED, FIXTURE), TEXTS);
    TEXTS.forEach((text, i) => {
      const ids = tokenizer.encode(text);
      // The Node reference that the vector test compares with tokenizes exactly as transformers.js does.
      expect(ids, text).toEqual(reference[i]);
      expect(ids.length, text).toBeGreaterThan(2);
      expect(ids, text).not.toContain(tokenizer.unk_token_id);
    });
    // Accents are kept, not folded away (the vocabulary also holds `cafe`, which a stripping tokenizer would give).
    expect(tokenizer.tokenize('café crème')).toEqual(['café', 'crème']);
    // A character the vocabulary lacks still becomes [UNK], so the check above can fail.
    expect(tokenizer.encode('龘')).toContain(tokenizer.unk_token_id);

    const english = await fixtureTokenizer('tiny-bert');
    for (const text of CHINESE_TEXTS) expect(new Set(english.encode(text).slice(1, -1)), text).toEqual(new Set([english.unk_token_id]));
  });

  test('Chinese and French texts reach the model, whose vectors in the worker are those ONNX Runtime gives in Node; a second start downloads nothing', async ({ page }, info) => {
    const modelRequests: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith(MODEL) || path.startsWith('/dist/test-worker/transformers-ort/')) modelRequests.push(path);
    });
    const first = await runOnPage(page, LANGUAGES, 'ml-first', ALL_TRAFFIC);
    expect(first.status.encoder).toMatchObject({ id: `transformers:${MODEL}@fp32`, dim: 32, device: expectedDevice(info.project.name), languages: LANGUAGES });
    // Every query and review was embedded: none took the lexical path alone.
    expect(first.lexicalOnlyAfterSearches).toBe(0);
    expect(first.status.encoder.lexicalOnlyTexts).toBe(0);
    for (const q of [...QUERIES.zh, ...QUERIES.fr]) expect(first.searches[q], q).toHaveLength(3);

    const reference = await bertReferenceVectors(join(GENERATED, FIXTURE), TEXTS);
    TEXTS.forEach((text, i) => {
      const v = first.vectors[i]!;
      expect(v, text).toHaveLength(32);
      expect(Math.hypot(...v), `norm of ${text}`).toBeCloseTo(1, 5);
      expect(cosine(v, reference[i]!), `browser vs node: ${text}`).toBeGreaterThanOrEqual(0.999);
    });
    // The model tells texts of one script apart (all-[UNK] input would give near-equal vectors of equal-length texts).
    expect(cosine(first.vectors[TEXTS.indexOf('跑步鞋')]!, first.vectors[TEXTS.indexOf('咖啡机')]!)).toBeLessThan(0.95);

    expect(modelRequests).toEqual(expect.arrayContaining([`${MODEL}config.json`, `${MODEL}tokenizer.json`, `${MODEL}onnx/model.onnx`]));
    modelRequests.length = 0;
    const second = await runOnPage(page, LANGUAGES, 'ml-second', { ...ALL_TRAFFIC, queries: [], reviews: [] });
    expect(modelRequests, 'model and runtime requests on the second start').toEqual([]);
    expect(second.status.encoder.id).toBe(first.status.encoder.id);
    TEXTS.forEach((text, i) => expect(cosine(second.vectors[i]!, first.vectors[i]!), text).toBeGreaterThanOrEqual(0.99999));
  });

  test('declared as English only, the same model leaves Chinese queries and reviews to the lexical path; French, in Latin script, still reaches it', async ({ page }) => {
    const routed = { ...ALL_TRAFFIC, texts: [] };
    const all = await runOnPage(page, LANGUAGES, 'ml-all', routed);
    const english = await runOnPage(page, ['en'], 'ml-en', routed);
    expect(english.status.encoder.languages).toEqual(['en']);
    // Routing is by script: the Chinese texts are counted, the French ones are not.
    expect(english.lexicalOnlyAfterSearches).toBe(QUERIES.zh.length);
    expect(english.status.encoder.lexicalOnlyTexts).toBe(QUERIES.zh.length + REVIEWS.zh.length);
    expect(all.status.encoder.lexicalOnlyTexts).toBe(0);
    // A Chinese query scores on words alone without the model, on words and meaning with it; a French query is
    // embedded either way, so it scores the same.
    for (const q of QUERIES.zh) expect(english.searches[q], q).not.toEqual(all.searches[q]);
    for (const q of QUERIES.fr) {
      expect(english.searches[q]!.map((r) => r.id), q).toEqual(all.searches[q]!.map((r) => r.id));
      english.searches[q]!.forEach((r, i) => expect(r.score, q).toBeCloseTo(all.searches[q]![i]!.score, 5));
    }
  });
});
