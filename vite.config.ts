import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const publicEntry = fileURLToPath(new URL('src/index.ts', import.meta.url));
const TRANSFORMERS = '@huggingface/transformers';
const worker = { entry: 'src/worker/main.ts', formats: ['es' as const] };

/**
 * One config, one library build per mode (run in sequence by `npm run build:lib`):
 * - `esm`: `dist/pocketrec.js`, the ES module for bundlers and `<script type="module">`;
 * - `iife`: `dist/pocketrec.iife.js`, the script-tag build defining the global `PocketRec`;
 * - `worker`: `dist/pocketrec.worker.js`, the self-contained module worker both of them spawn. transformers.js is an
 *   optional peer dependency, so this worker does not carry it (it resolves to `transformers-absent.ts`);
 * - `worker-transformers`: `dist/pocketrec.transformers.worker.js`, the same worker importing `@huggingface/transformers`
 *   by name, for sites whose bundler resolves it from their own node_modules;
 * - `test-worker`: `dist/test-worker/`, the worker with transformers.js bundled in, so the e2e tests can run a
 *   transformers.js model from a plain static server. Never published (package.json `files` leaves it out);
 * - `react`: `dist/react.js`, the React bindings. React is the site's own (a peer dependency), and the bindings
 *   import PocketRec itself from `./pocketrec.js`, so a page holds one client and one `PocketRecError` class.
 * They are separate builds so that the worker carries no client code and each output is one file.
 */
/**
 * onnxruntime-web finds its own URL with `new URL('ort….min.mjs', import.meta.url)` when a bundler hard-codes
 * `import.meta.url` as a `file:` URL, as webpack does. It hides that call from webpack behind an alias of `URL`,
 * which minification inlines, and webpack would then fail the site's build on a file that does not exist. The URL
 * is only a fallback (the worker always sets `wasmPaths`), so the built chunk tells webpack to leave it alone.
 */
const ORT_SELF_URL = /new URL\(("ort(?:\.[a-z]+)*\.min\.mjs"),\s*import\.meta\.url\)/g;
const hideOrtSelfUrl: Plugin = {
  name: 'pocketrec:hide-ort-self-url',
  renderChunk(code) {
    const hidden = code.replace(ORT_SELF_URL, 'new URL(/* webpackIgnore: true */ $1, import.meta.url)');
    // `map: null`: the comment moves no code across lines that the map would have to follow.
    return hidden === code ? null : { code: hidden, map: null };
  },
};

/**
 * The minifier prints every string as a template literal; webpack 5 recognises `new URL(…, import.meta.url)` only
 * with a plain string, and would then neither emit the runtime and model files nor rewrite their URLs. This puts
 * the quotes back on the final code (same length, so the source map still fits).
 */
const ASSET_URL = /new URL\((\s*\/\*[^*]*\*\/\s*)?`(\.\/[^`$\\"]+)`,import\.meta\.url\)/g;
const quoteAssetUrls: Plugin = {
  name: 'pocketrec:quote-asset-urls',
  generateBundle(_, bundle) {
    for (const chunk of Object.values(bundle)) if (chunk.type === 'chunk') chunk.code = chunk.code.replace(ASSET_URL, 'new URL($1"$2",import.meta.url)');
  },
};

const builds: Record<string, { build: UserConfig['build']; alias?: Record<string, string>; external?: string[] }> = {
  esm: { build: { lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'pocketrec.js' } } },
  iife: { build: { lib: { entry: 'src/embed/iife.ts', formats: ['iife'], name: 'PocketRec', fileName: () => 'pocketrec.iife.js' } } },
  worker: {
    build: { lib: { ...worker, fileName: () => 'pocketrec.worker.js' } },
    alias: { [TRANSFORMERS]: fileURLToPath(new URL('src/encoder/transformers-absent.ts', import.meta.url)) },
  },
  'worker-transformers': { build: { lib: { ...worker, fileName: () => 'pocketrec.transformers.worker.js' } }, external: [TRANSFORMERS] },
  'test-worker': { build: { lib: { ...worker, fileName: () => 'pocketrec.worker.js' }, outDir: 'dist/test-worker' } },
  react: {
    build: {
      lib: { entry: 'src/react/index.ts', formats: ['es'], fileName: () => 'react.js' },
      rollupOptions: {
        external: (id) => id === 'react' || id.startsWith('react/') || id === 'react-dom' || id.startsWith('react-dom/') || id === publicEntry,
        // Frameworks with server components (Next.js) must treat the hooks as client code.
        output: { paths: (id) => (id === publicEntry ? './pocketrec.js' : id), banner: "'use client';" },
      },
    },
  },
};

export default defineConfig(({ mode }) => {
  const chosen = builds[mode];
  if (!chosen) throw new Error(`vite.config.ts: unknown build mode "${mode}"; use one of ${Object.keys(builds).join(', ')}`);
  const { rollupOptions: own = {}, ...build } = chosen.build ?? {};
  const ownOutput = Array.isArray(own.output) ? {} : (own.output ?? {});
  return {
    publicDir: false,
    plugins: mode.includes('worker') ? [hideOrtSelfUrl, quoteAssetUrls] : [],
    // onnxruntime-web's default bundle references its .wasm through `new URL(…, import.meta.url)`, which library
    // mode would inline as 28 MB of base64. The "extern wasm" entry loads the runtime files from `wasmPaths`
    // instead: finish-build.mjs copies them next to the worker. The same condition applies to the onnxruntime-web
    // that @huggingface/transformers pins (its chunk is split off by the worker's dynamic import); its files go to
    // `transformers-ort/`.
    resolve: { conditions: ['onnxruntime-web-use-extern-wasm', 'module', 'browser', 'import', 'default'], alias: chosen.alias ?? {} },
    // A classic script has no `import.meta`; the script-tag build finds its URL through `document.currentScript`.
    ...(mode === 'iife' ? { define: { 'import.meta.url': 'undefined' } } : {}),
    build: {
      outDir: 'dist',
      ...build,
      emptyOutDir: false,
      // Maps stay here for debugging but are not published, so the files carry no `sourceMappingURL` to a 404.
      sourcemap: 'hidden',
      target: 'es2022',
      minify: 'oxc',
      rolldownOptions: {
        ...own,
        ...(chosen.external ? { external: chosen.external } : {}),
        // Vite leaves an ES library's whitespace in place (codegen off) to keep it readable for the site's bundler;
        // these files are served as they are to every visitor, and the worker's bytes come before the catalogue's
        // first request, so they are printed minified too. Pure annotations survive (Vite keeps those comments), and
        // so do the `new URL('./…', import.meta.url)` literals bundlers look for.
        output: { ...ownOutput, minify: { codegen: true } },
      },
    },
  };
});
