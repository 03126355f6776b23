import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, removeApp, ROOT } from '../helpers/packed-app';

// The published declarations as a site's compiler reads them: the packed tarball installed alone (plus React's
// types and Vite, the peers of `pocketrec/react` and `pocketrec/vite`), every entry imported, checked strictly
// and *with* library checking, so a declaration that names a package the site does not have fails here.
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const CONSUMER_TS = `
import { createRecommender, DEFAULTS, DEVICES, ERROR_CODES, EVENT_TYPES, isPocketRecError, PocketRecError } from 'pocketrec';
import type { ErrorCode, Item, Progress, Recommendation, Recommender, RecommenderOptions, Status, TrackEvent, Update } from 'pocketrec';
import * as iife from 'pocketrec/iife';
import * as worker from 'pocketrec/worker';
import * as transformersWorker from 'pocketrec/worker-transformers';
import pocketrec from 'pocketrec/vite';
import type { Plugin } from 'vite';

const items: Item[] = [{ id: 'a', title: 'A' }];
const options: RecommenderOptions = { catalog: items, onProgress: (p: Progress) => void p.phase, devices: [DEVICES[0]] };
export async function start(): Promise<Recommendation[]> {
  const rec: Recommender = await createRecommender(options);
  const event: TrackEvent = { type: EVENT_TYPES[0], itemId: 'a' };
  await rec.track(event);
  const status: Status = await rec.status();
  rec.subscribe((update: Update) => void update.recommendations);
  // @ts-expect-error k is a number: the declarations are real types, not \`any\`
  await rec.recommend({ k: 'three' });
  return status.historySize > 0 ? rec.recommend({ k: DEFAULTS.defaultK }) : [];
}
export function codeOf(error: unknown): ErrorCode | null {
  if (error instanceof PocketRecError) return error.code;
  return isPocketRecError(error) && ERROR_CODES.includes(error.code) ? error.code : null;
}
export const scriptTag: typeof createRecommender = iife.createRecommender;
export const workerModules: [typeof worker, typeof transformersWorker] = [worker, transformersWorker];
export const plugin: Plugin = pocketrec();
`;

const CONSUMER_TSX = `
import { PocketRecProvider, Recommendations, useRecommendations, useRecommender, useSearch, useSimilar, useSurface, useTrack } from 'pocketrec/react';
import type { QueryState } from 'pocketrec/react';
import { PocketRecError, type Recommendation } from 'pocketrec';

function Shop() {
  const track = useTrack();
  const feed: QueryState<Recommendation[]> = useRecommendations({ k: 4 });
  const similar = useSimilar('a', { k: 2 });
  const found = useSearch('shoes');
  const trending = useSurface('trending');
  const { data: rec } = useRecommender();
  const failed = feed.error instanceof PocketRecError ? feed.error.code : null;
  return (
    <main data-failed={failed} data-ready={rec !== null}>
      {[...(feed.data ?? []), ...(similar.data ?? []), ...(found.data ?? []), ...(trending.data ?? [])].map((r) => (
        <button key={r.id} onClick={() => void track({ type: 'click', itemId: r.id })}>{r.item.title}</button>
      ))}
      <Recommendations kind="related" itemIds={['a']} k={3} onSelect={(r, event) => (event.preventDefault(), void r.id)} />
    </main>
  );
}

export const App = () => (
  <PocketRecProvider options={{ catalog: '/catalog/catalog.json' }}>
    <Shop />
  </PocketRecProvider>
);
`;

function tsconfig(module: 'ESNext' | 'NodeNext', moduleResolution: 'bundler' | 'NodeNext') {
  return {
    compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module, moduleResolution, jsx: 'react-jsx', strict: true, noEmit: true, skipLibCheck: false, types: [] },
    include: ['src'],
  };
}

describe('the published declarations, in a site that installed only the tarball and the peers', () => {
  let app: string;

  beforeAll(() => {
    app = createApp('types', ['react', '@types/react', 'csstype']);
    // Vite is a peer of `pocketrec/vite`; its own dependency tree is this checkout's, so it is linked, not copied.
    symlinkSync(join(ROOT, 'node_modules/vite'), join(app, 'node_modules/vite'), 'dir');
    mkdirSync(join(app, 'src'));
    writeFileSync(join(app, 'src/consumer.ts'), CONSUMER_TS);
    writeFileSync(join(app, 'src/shop.tsx'), CONSUMER_TSX);
  }, 600_000);

  afterAll(() => removeApp(app));

  it.each([
    ['bundler', tsconfig('ESNext', 'bundler')],
    ['nodenext', tsconfig('NodeNext', 'NodeNext')],
  ] as const)('typecheck every entry with skipLibCheck: false and moduleResolution %s', { timeout: 300_000 }, (name, config) => {
    const file = join(app, `tsconfig.${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    const run = spawnSync(process.execPath, [TSC, '-p', file], { cwd: app, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
