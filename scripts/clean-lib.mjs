#!/usr/bin/env node
// Before `npm run build:lib`: the library builds share dist/ (emptyOutDir is off so they do not erase each other),
// so chunks from an earlier build, with other content hashes, would linger and be published. Removes the library's
// outputs only; dist/research and dist/demo-source belong to other steps.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '..', 'dist');
const KEEP = new Set(['research', 'demo-source']);
let entries = [];
try {
  entries = readdirSync(dist);
} catch {
  // No dist/ yet: nothing to clean.
}
for (const name of entries) {
  const path = join(dist, name);
  if (KEEP.has(name) && statSync(path).isDirectory()) continue;
  rmSync(path, { recursive: true, force: true });
}
