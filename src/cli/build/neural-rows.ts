import { join } from 'node:path';
import { createSentencePieceTokenizer } from '../../encoder';
import { quantizeRows, type Int8Rows } from '../../vector';
import { loadNodeEncoderWithVocabulary } from '../model';

/** The neural encoder of a model folder as the build uses it: texts in, int8 rows (one scale each) out. */
export interface NeuralRows {
  embed(texts: readonly string[]): Promise<Int8Rows>;
  dispose(): Promise<void>;
}

/**
 * The model pads a batch to its longest text, and that padding moves the last bits of every vector in it. Texts
 * are therefore embedded only beside texts of their own token count: a row then depends on its text alone (not
 * on the job, the thread or what the cache left to embed), and equals the one a browser makes for it alone.
 */
export async function loadNeuralRows(modelDir: string): Promise<NeuralRows> {
  const loaded = await loadNodeEncoderWithVocabulary(modelDir);
  if (!loaded) throw new Error(`${join(modelDir, 'manifest.json')} is missing`);
  const { encoder } = loaded;
  const tokenizer = createSentencePieceTokenizer(loaded.vocabulary);
  const dim = encoder.dim;
  return {
    async embed(texts) {
      const lengths = texts.map((t) => tokenizer.encode(t).length);
      const order = texts.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
      const scales = new Float32Array(texts.length);
      const values = new Int8Array(texts.length * dim);
      for (let start = 0; start < order.length; ) {
        let end = start + 1;
        while (end < order.length && lengths[order[end]!] === lengths[order[start]!]) end++;
        const group = order.slice(start, end);
        const vectors = await encoder.embed(group.map((i) => texts[i]!));
        vectors.forEach((v, k) => {
          const q = quantizeRows(v, dim);
          scales[group[k]!] = q.scales[0]!;
          values.set(q.values, group[k]! * dim);
        });
        start = end;
      }
      return { dim, scales, values };
    },
    dispose: () => encoder.dispose(),
  };
}
