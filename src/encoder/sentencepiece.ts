/**
 * The unigram SentencePiece segmentation of Universal Sentence Encoder Lite, reproducing its TF.js tokenizer
 * exactly, quirks included, because the model only understands the ids that tokenizer produced:
 * - NFKC normalisation, '▁' for every space and one in front;
 * - the first 6 vocabulary entries are reserved (never matched), id 0 is the unknown piece;
 * - a position no piece starts at becomes one unknown symbol with score 0, which beats every real piece's
 *   negative score (hence ':-) see you' → '▁ : - ) ▁see ▁you');
 * - Viterbi keeps the later candidate on equal scores and treats a best score of exactly 0 as unset;
 * - the backtrack steps back by the piece's length in UTF-16 units, and runs of unknowns merge into one.
 */
export type Vocabulary = ReadonlyArray<readonly [piece: string, score: number]>;

const SEPARATOR = '\u2581';
const RESERVED = 6;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Vocabulary index when a piece ends here. */
  index: number;
  score: number;
  length: number;
}

export interface SentencePieceTokenizer {
  encode(text: string): number[];
  piece(id: number): string;
}

export function createSentencePieceTokenizer(vocabulary: Vocabulary): SentencePieceTokenizer {
  const root: TrieNode = { children: new Map(), index: -1, score: 0, length: 0 };
  for (let i = RESERVED; i < vocabulary.length; i++) {
    const [piece, score] = vocabulary[i]!;
    let node = root;
    let length = 0;
    for (const symbol of piece) {
      length++;
      let child = node.children.get(symbol);
      if (!child) node.children.set(symbol, (child = { children: new Map(), index: -1, score: 0, length }));
      node = child;
    }
    node.index = i;
    node.score = score;
  }

  return {
    piece: (id) => vocabulary[id]?.[0] ?? '',
    encode(text) {
      const normalized = text.normalize('NFKC');
      if (normalized.length === 0) return [];
      const symbols = Array.from(SEPARATOR + normalized.replace(/ /g, SEPARATOR));
      const n = symbols.length;
      // Candidates ending at each position, grouped by start position in ascending order.
      const ending: Array<Array<{ start: number; index: number; score: number }>> = Array.from({ length: n + 1 }, () => []);
      for (let start = 0; start < n; start++) {
        let node = root.children.get(symbols[start]!);
        let found = false;
        for (let i = start; node && i < n; i++) {
          if (node.index >= 0) {
            ending[start + node.length]!.push({ start, index: node.index, score: node.score });
            found = true;
          }
          node = node.children.get(symbols[i + 1]!);
        }
        if (!found) ending[start + 1]!.push({ start, index: 0, score: 0 });
      }
      const best = new Float64Array(n + 1);
      const words = new Int32Array(n + 1);
      for (let end = 0; end <= n; end++) {
        const candidates = ending[end]!.sort((a, b) => a.start - b.start);
        for (const c of candidates) {
          const score = c.score + best[c.start]!;
          if (best[end] === 0 || score >= best[end]!) {
            best[end] = score;
            words[end] = c.index;
          }
        }
      }
      const ids: number[] = [];
      for (let at = n; at > 0; at -= vocabulary[words[at]!]![0].length) ids.push(words[at]!);
      const merged: number[] = [];
      let previousUnknown = false;
      for (const id of ids) {
        if (!(previousUnknown && id === 0)) merged.push(id);
        previousUnknown = id === 0;
      }
      return merged.reverse();
    },
  };
}
