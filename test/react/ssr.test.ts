import { createElement, StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

// What would start work in a browser: a server render must not even look these up. `window` and `document` stay
// absent, as on a real server, so any unguarded use of them throws (a `typeof` guard is fine).
const TRIPWIRES = ['Worker', 'indexedDB', 'customElements', 'localStorage', 'BroadcastChannel'] as const;
const touched: string[] = [];
const originals = new Map(TRIPWIRES.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
const installTripwires = () => {
  for (const name of TRIPWIRES) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return undefined;
      },
    });
  }
};

afterEach(() => {
  for (const [name, original] of originals) {
    if (original) Object.defineProperty(globalThis, name, original);
    else delete (globalThis as Record<string, unknown>)[name];
  }
  touched.length = 0;
});

describe('pocketrec/react on the server', () => {
  it('imports and renders every hook and component without touching a browser API', async () => {
    installTripwires();
    // Imported after the tripwires, so module-level code is checked too.
    const { PocketRecProvider, Recommendations, useRecommendations, useRecommender, useSearch, useSimilar, useTrack } = await import('../../src/react');
    const seen: string[] = [];
    const Page = () => {
      const feed = useRecommendations({ k: 3 });
      const similar = useSimilar('r1');
      const search = useSearch('');
      const rec = useRecommender();
      useTrack();
      seen.push(`${feed.status}/${similar.status}/${search.status}/${rec.status}`);
      return createElement('main', null, feed.status, createElement(Recommendations, { kind: 'related', itemIds: ['r1'] }));
    };
    const html = renderToString(createElement(StrictMode, null, createElement(PocketRecProvider, { options: { catalog: '/catalog.json' } }, createElement(Page))));
    expect(html).toBe('<main>loading</main>');
    expect(seen.at(-1)).toBe('loading/loading/idle/loading');
    expect(touched).toEqual([]);
  });

  it('so does the built bundle, dist/react.js, with React and PocketRec as its imports', async () => {
    const built = new URL('../../dist/react.js', import.meta.url);
    expect(existsSync(built), 'dist/react.js is missing: run `npm run build:lib` first').toBe(true);
    installTripwires();
    const { PocketRecProvider, Recommendations, useRecommendations } = (await import(/* @vite-ignore */ built.href)) as typeof import('../../src/react');
    const Page = () => createElement('p', null, useRecommendations().status, createElement(Recommendations, { kind: 'for-you' }));
    const html = renderToString(createElement(StrictMode, null, createElement(PocketRecProvider, { options: { catalog: '/catalog.json' } }, createElement(Page))));
    expect(html).toBe('<p>loading</p>');
    expect(touched).toEqual([]);
  });

  it('the tripwires fire when something does touch the browser', async () => {
    installTripwires();
    // The check above must be able to fail: starting a recommender reaches for `Worker` at once.
    const { createRecommender } = await import('../../src');
    await expect(createRecommender({ catalog: '/catalog.json' })).rejects.toThrow();
    expect(touched).toContain('Worker');
  });

  it('a hook outside the provider says what is missing', async () => {
    const { useRecommendations } = await import('../../src/react');
    const Lonely = () => createElement('p', null, useRecommendations().status);
    expect(() => renderToString(createElement(Lonely))).toThrow(expect.objectContaining({ code: 'invalid-option', message: expect.stringContaining('<PocketRecProvider>') }));
  });
});
