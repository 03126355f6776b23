/**
 * The module table of ARCHITECTURE.md as import rules, checked by `npm run lint:imports` in `npm test`.
 * Each rule names the table row it enforces. Type-only imports never reach the bundle, so the rules about
 * code that runs ("must not do I/O") ignore them; the one-door rule does not.
 */
const PURE = '^src/(profile|rank|vector|signals|sequence|session|errors)/';
const PLATFORM = '^node_modules/(idb|onnxruntime-web|onnxruntime-node|comlink|@huggingface/transformers)/';
// Files of edge modules that are pure themselves and shared with the core (their modules' barrels also do I/O).
const PURE_FILES = '^src/(catalog/(types|item-text|validate)|encoder/(languages|lexical-encoder|tokenize|types)|profile/validate-event|profile/types|rank/lexical-index)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'pure-core-no-platform',
      comment: 'profile, rank, vector, signals, sequence input and session are pure: no DOM, Node, idb, ORT or comlink.',
      severity: 'error',
      from: { path: PURE },
      to: { path: PLATFORM, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'browser-package-no-node',
      comment: 'Nothing outside the CLI and the Vite plugin (both run in Node) uses Node built-ins: the browser package and the core run in a tab.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|vite)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-core-no-io-modules',
      comment: 'The pure core calls no module that fetches, stores, runs models or talks to the worker.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/', pathNot: [PURE, PURE_FILES], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'idb-only-in-store',
      comment: 'store/ owns IndexedDB; nothing else opens it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: '^node_modules/idb/' },
    },
    {
      name: 'client-thin',
      comment: 'client/ is the public API and worker lifecycle: it never touches IndexedDB or models, and knows the worker only by its types.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: {
        path: '^src/(store|encoder|onnx|catalog|rank|profile|session|vector|signals|worker)/|^node_modules/(onnxruntime-web|@huggingface/transformers)/',
        pathNot: PURE_FILES,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'bindings-no-engine-logic',
      comment: 'react/ and embed/ are hooks and components over the client: no engine code.',
      severity: 'error',
      from: { path: '^src/(react|embed)/' },
      to: { path: '^src/(store|encoder|onnx|catalog|rank|profile|session|vector|signals|worker)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'worker-no-logic-modules',
      comment: 'worker/ wires parts together (store, catalogue, encoder, the vector kernel as a device, session); the visitor logic (sequence input, profile folding) is reached through session/.',
      severity: 'error',
      from: { path: '^src/worker/' },
      to: { path: '^src/(sequence|signals)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'browser-package-no-cli',
      comment: 'The browser package never imports the CLI (it carries Node-only dependencies).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'one-door-per-module',
      comment: "Other modules import a module through its index.ts, except the pure files the core shares (PURE_FILES).",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', PURE_FILES] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
