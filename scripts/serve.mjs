#!/usr/bin/env node
// A plain static server for the demo and the tests: the library must work from one, so we use nothing smarter.
// Usage: node scripts/serve.mjs [--port 8080] [--isolated] [--csp '<policy>'] [--root <folder>]
// (--isolated adds COOP/COEP for WASM threads; --root serves that one folder at /, e.g. an app built from the package)
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const port = Number(value('--port', process.env.PORT ?? 8080));
// Every response carries this policy (the worker gets its own from its script's response), to test strict CSPs.
const csp = value('--csp', undefined);
const host = '127.0.0.1';
const root = resolve(import.meta.dirname, '..');

const site = value('--root', undefined);
// URL prefix → folder. The demo page lives in public/, the builds in dist/, the model files in models/build/,
// generated test models (scripts/generate-bert-fixture.mjs) in test/fixtures/generated/.
const mounts = site ? [['/', resolve(site)]] : [
  ['/dist/', join(root, 'dist')],
  ['/models/', join(root, 'models', 'build')],
  ['/fixtures/', join(root, 'test', 'fixtures', 'generated')],
  ['/bench/', join(root, 'bench')],
  ['/', join(root, 'public')],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

function locate(pathname) {
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(pathname.slice(prefix.length))));
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', `http://${host}`);
  let file = locate(url.pathname);
  let stat;
  try {
    stat = file && statSync(file);
    if (stat?.isDirectory()) {
      file = join(file, 'index.html');
      stat = statSync(file);
    }
  } catch {
    stat = undefined;
  }
  if (csp) res.setHeader('Content-Security-Policy', csp);
  if (flag('--isolated')) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  if (!file || !stat) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': stat.size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
});

server.listen(port, host, () => console.log(`PocketRec demo: http://${host}:${port}/`));
