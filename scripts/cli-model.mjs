#!/usr/bin/env node
// Puts the encoder model that `npm run build:model` wrote into the CLI package (packages/cli/model/), so an installed
// `pocketrec build` embeds with the very model, of its own version, that the browser package serves.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const from = join(root, 'models/build');
const to = join(root, 'packages/cli/model');
if (!existsSync(join(from, 'manifest.json'))) throw new Error('cli-model: models/build/manifest.json is missing; run `npm run build:model` first.');
const manifest = JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8'));
mkdirSync(to, { recursive: true });
for (const file of ['manifest.json', manifest.files.int8.file, manifest.files.vocabulary.file]) copyFileSync(join(from, file), join(to, file));
console.log(`cli-model: ${manifest.model} → packages/cli/model/`);
