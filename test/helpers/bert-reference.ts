import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

interface BertTokenizerJson {
  normalizer: { lowercase: boolean; strip_accents: boolean | null; handle_chinese_chars: boolean };
  model: { vocab: Record<string, number>; unk_token: string };
}

/** What BERT's normaliser does to a text before splitting, as a folder's `tokenizer.json` configures it. */
interface BertNormalizing {
  lowercase: boolean;
  stripAccents: boolean;
  splitChinese: boolean;
}

/**
 * The token ids a BERT-style model folder's tokenizer gives each text, `[CLS]` and `[SEP]` included, truncated to
 * `model_max_length`, computed by our own BERT tokenizer from the folder's `tokenizer.json` (not transformers.js).
 */
export async function bertReferenceIds(folder: string, texts: readonly string[]): Promise<number[][]> {
  const tokenizer = JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8')) as BertTokenizerJson;
  const maxLength = (JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8')) as { model_max_length: number }).model_max_length;
  const vocab = new Map(Object.entries(tokenizer.model.vocab));
  const { lowercase, strip_accents, handle_chinese_chars } = tokenizer.normalizer;
  // An unset strip_accents follows lowercase, as in Hugging Face's BertNormalizer.
  const normalizing = { lowercase, stripAccents: strip_accents ?? lowercase, splitChinese: handle_chinese_chars };
  return texts.map((text) => [vocab.get('[CLS]')!, ...wordPieces(text, vocab, tokenizer.model.unk_token, normalizing).slice(0, maxLength - 2), vocab.get('[SEP]')!]);
}

/**
 * Sentence vectors from a BERT-style model folder computed without transformers.js: `bertReferenceIds`, the ONNX
 * file on onnxruntime-web's WASM backend in Node, then mean pooling and L2 normalisation by hand. The reference that
 * the browser's transformers encoder must agree with.
 */
export async function bertReferenceVectors(folder: string, texts: readonly string[], onnxFile = 'onnx/model.onnx'): Promise<Float32Array[]> {
  const tokenized = await bertReferenceIds(folder, texts);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(new Uint8Array(await readFile(join(folder, onnxFile))), { executionProviders: ['wasm'] });
  try {
    const out: Float32Array[] = [];
    for (const ids of tokenized) {
      const n = ids.length;
      const feeds = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [1, n]),
      };
      const hidden = (await session.run(feeds))['last_hidden_state']!;
      const [, seq, dim] = hidden.dims as [number, number, number];
      const data = hidden.data as Float32Array;
      const mean = new Float32Array(dim);
      for (let t = 0; t < seq; t++) for (let d = 0; d < dim; d++) mean[d]! += data[t * dim + d]! / seq;
      const norm = Math.hypot(...mean);
      out.push(mean.map((v) => v / norm));
    }
    return out;
  } finally {
    await session.release();
  }
}

/** BERT's basic tokenizer, then WordPiece; a word with no complete split becomes the unknown token. */
function wordPieces(text: string, vocab: ReadonlyMap<string, number>, unk: string, normalizing: BertNormalizing): number[] {
  const { lowercase, stripAccents, splitChinese } = normalizing;
  const cleaned = Array.from(text, (c) => (/\s/u.test(c) ? ' ' : c === '\0' || c === '\ufffd' || /\p{Cc}|\p{Cf}/u.test(c) ? '' : splitChinese && /\p{Script=Han}/u.test(c) ? ` ${c} ` : c)).join('');
  const cased = lowercase ? cleaned.toLowerCase() : cleaned;
  const normalised = stripAccents ? cased.normalize('NFD').replace(/\p{Mn}/gu, '') : cased;
  const words = normalised.split(' ').flatMap((w) => w.split(/([\p{P}!-/:-@[-`{-~])/u)).filter((w) => w !== '');
  const ids: number[] = [];
  for (const word of words) {
    const pieces: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let id: number | undefined;
      for (; end > start; end--) {
        id = vocab.get(`${start > 0 ? '##' : ''}${word.slice(start, end)}`);
        if (id !== undefined) break;
      }
      if (id === undefined) break;
      pieces.push(id);
      start = end;
    }
    ids.push(...(start < word.length || word.length > 100 ? [vocab.get(unk)!] : pieces));
  }
  return ids;
}
