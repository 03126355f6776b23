import fc from 'fast-check';
import { quantizeRows } from '../../src/vector';
import { describe, expect, it } from 'vitest';
import { parseItemsText, validateItems, validateManifest, validateSignals } from '../../src/catalog';
import { validateCallOptions, validateRecommendRequest } from '../../src/client/validate-request';
import { resolveOptions } from '../../src/client/resolve-options';
import { PocketRecError } from '../../src/errors';
import { createProfile, foldEvent, validateEvent, type ItemSpace } from '../../src/profile';

/**
 * Property-based tests of every boundary validator: whatever a host or a file throws at them, they either
 * accept it or throw a coded PocketRecError. Seeded and bounded, so a failure reproduces and `npm test` stays fast.
 */
const RUNS = { seed: 20261202, numRuns: 400 };

/** Runs `fn`; passes when it returns or throws a PocketRecError with one of `codes`, fails on anything else. */
function onlyCoded(codes: readonly string[], fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof PocketRecError)) throw new Error(`uncoded ${String((error as Error)?.name)}: ${String((error as Error)?.message)}`);
    expect(codes).toContain(error.code);
    expect(error.message.length).toBeGreaterThan(10);
    return undefined;
  }
}

// Hostile values: every JSON shape plus what JSON cannot hold (NaN, infinities, undefined, functions, deep nesting).
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, withNullPrototype: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, -1, 1e300, '', '   ', () => 1, Symbol('s'), 10n),
  fc.integer({ min: 50, max: 3000 }).map((depth) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = { v };
    return v;
  }),
);
const fieldOf = <T extends string>(names: readonly T[]) => fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })), anyValue, { maxKeys: 6 });

const space: ItemSpace = { dim: 2, rows: quantizeRows(Float32Array.from([1, 0, 0, 1]), 2), indexOf: (id) => ({ a: 0, '42': 1 })[id] };
const EVENT_FIELDS = ['type', 'itemId', 'query', 'text', 'rating', 'ts', 'context'] as const;
const eventLike = fc.oneof(
  anyValue,
  fieldOf(EVENT_FIELDS),
  fc.record(
    {
      type: fc.constantFrom('view', 'click', 'add_to_cart', 'purchase', 'rate', 'review', 'search', 'dismiss', 'like', 'stare'),
      itemId: fc.oneof(fc.constantFrom('a', 42, 'zz', ''), anyValue),
      rating: fc.oneof(fc.double(), anyValue),
      query: fc.oneof(fc.string(), anyValue),
      text: fc.oneof(fc.string(), anyValue),
      ts: fc.oneof(fc.double(), fc.nat(), anyValue),
      context: fc.oneof(fieldOf(['device', 'surface']), fc.record({ device: fc.constantFrom('mobile', 'tablet', 'desktop', 'tv'), surface: fc.string() }, { requiredKeys: [] })),
    },
    { requiredKeys: ['type'] },
  ),
);

describe('fuzz: event validator', () => {
  it('accepts or throws invalid-event, and nothing it accepts makes the profile non-finite', () => {
    fc.assert(
      fc.property(eventLike, (raw) => {
        const event = onlyCoded(['invalid-event'], () => validateEvent(raw, 1_000, (id) => space.indexOf(id) !== undefined)) as ReturnType<typeof validateEvent> | undefined;
        if (!event) return;
        const profile = createProfile(2);
        foldEvent(profile, event, { space, attributesOf: () => ({ category: 'c', price: 3 }), ...(event.query || event.text ? { textVector: Float32Array.from([0.6, 0.8]) } : {}) });
        expect(Number.isFinite(profile.longTerm.mass) && Number.isFinite(profile.negative.mass) && Number.isFinite(profile.intents.mass)).toBe(true);
        expect([...profile.categoryAffinity.values()].every(Number.isFinite)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('fuzz: request validators', () => {
  const request = fc.oneof(anyValue, fieldOf(['k', 'exclude', 'filter', 'pinned', 'now', 'context', 'explore']), fc.record({ k: anyValue, filter: fieldOf(['categories', 'minPrice', 'maxPrice']) }, { requiredKeys: [] }));
  it('recommend requests and call options are accepted or rejected with invalid-option', () => {
    fc.assert(
      fc.property(request, anyValue, (raw, options) => {
        const accepted = onlyCoded(['invalid-option'], () => validateRecommendRequest(raw)) as Record<string, unknown> | undefined;
        // Whatever is accepted can be sent as it is: plain data only.
        if (accepted) expect(() => structuredClone(accepted)).not.toThrow();
        onlyCoded(['invalid-option'], () => validateCallOptions('search', options));
      }),
      RUNS,
    );
  });
  it('createRecommender options are accepted or rejected with a coded error', () => {
    const options = fc.oneof(
      anyValue,
      fieldOf(['catalog', 'dbName', 'retention', 'defaultK', 'halfLifeDays', 'encoder', 'devices', 'diversity', 'allowEmptyCatalog']),
      fc.record({ catalog: fc.oneof(fc.constant('c.json'), fc.array(fieldOf(['id', 'title', 'price', 'tags']), { maxLength: 3 }), anyValue), encoder: fc.oneof(fc.constant('lexical'), fieldOf(['type', 'model', 'dtype', 'device'])) }, { requiredKeys: ['catalog'] }),
    );
    fc.assert(
      fc.property(options, (raw) => {
        const config = onlyCoded(['invalid-option', 'catalog-invalid'], () => resolveOptions(raw as never, 'https://shop.test/'));
        if (config) expect(() => structuredClone(config)).not.toThrow();
      }),
      RUNS,
    );
  });
});

describe('fuzz: catalogue validators', () => {
  const item = fc.oneof(
    anyValue,
    fieldOf(['id', 'title', 'description', 'category', 'tags', 'brand', 'price', 'url', 'imageUrl', 'publishedAt', 'attributes', 'repeatable']),
    fc.record({ id: fc.oneof(fc.string(), fc.integer()), title: fc.string(), price: fc.oneof(fc.double(), anyValue), tags: fc.oneof(fc.array(fc.string()), anyValue), extra: anyValue }, { requiredKeys: ['id', 'title'] }),
  );
  it('inline items: accepted as clonable data or rejected with catalog-invalid', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), (raws) => {
        const items = onlyCoded(['catalog-invalid'], () => validateItems(raws, (index) => ({ kind: 'inline', index }), 'inline'));
        if (items) expect(() => structuredClone(items)).not.toThrow();
      }),
      RUNS,
    );
  });
  it('item files (JSON array, NDJSON, garbage text) are parsed or rejected with catalog-invalid', () => {
    const text = fc.oneof(
      fc.string(),
      fc.array(item, { maxLength: 4 }).map((xs) => { try { return JSON.stringify(xs) ?? ''; } catch { return '[]'; } }),
      fc.array(item, { maxLength: 4 }).map((xs) => xs.map((x) => { try { return JSON.stringify(x) ?? ''; } catch { return '{'; } }).join('\n')),
    );
    fc.assert(fc.property(text, (t) => void onlyCoded(['catalog-invalid'], () => parseItemsText(t, 'items.json'))), RUNS);
  });
  it('manifests and signals are accepted or rejected with catalog-invalid', () => {
    const manifest = fc.oneof(
      anyValue,
      fc.record(
        {
          formatVersion: fc.oneof(fc.constant(1), anyValue),
          version: fc.oneof(fc.string(), anyValue),
          items: fc.oneof(fc.string(), anyValue),
          itemCount: fc.oneof(fc.nat(), anyValue),
          embeddings: fc.oneof(fieldOf(['url', 'model', 'dim', 'dtype']), anyValue),
          signals: fc.oneof(fc.string(), anyValue),
          sequence: fc.oneof(fieldOf(['url', 'items', 'sha256', 'bytes', 'dtype', 'maxLen', 'training']), anyValue),
        },
        { requiredKeys: ['formatVersion'] },
      ),
    );
    const pairs = fc.array(fc.oneof(fc.tuple(fc.string(), fc.double()), anyValue), { maxLength: 3 });
    const signals = fc.oneof(anyValue, fieldOf(['popularity', 'trending', 'neighbors', 'transitions']), fc.record({ neighbors: fc.dictionary(fc.string(), fc.oneof(pairs, anyValue)), popularity: fc.dictionary(fc.string(), fc.oneof(fc.double(), anyValue)) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(manifest, signals, (m, s) => {
        onlyCoded(['catalog-invalid'], () => validateManifest(m, 'catalog.json'));
        onlyCoded(['catalog-invalid'], () => validateSignals(s, 'signals.json'));
      }),
      RUNS,
    );
  });
});
