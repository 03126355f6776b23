/**
 * Words of a text for exact matching and feature hashing, in any script.
 *
 * Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) are split into words by
 * `Intl.Segmenter`, whose dictionaries ship with every engine we run in; a plain letter-run split would make a
 * whole Chinese sentence one token that no query ever matches. Accents on Latin and Greek letters are folded
 * ("café" finds "cafe"), but combining marks elsewhere are kept: in Thai or Devanagari they are part of the letter.
 */
export function tokenize(text: string): string[] {
  // Most catalogue text is ASCII, where both normalisations and the accent folding change nothing and the only
  // letters and digits are [a-z0-9] once lowercased: the same words, without three passes of Unicode tables.
  if (ASCII.test(text)) return text.toLowerCase().match(ASCII_WORD) ?? [];
  const folded = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/([\p{Script=Latin}\p{Script=Greek}])\p{M}+/gu, '$1')
    .normalize('NFKC');
  const runs = folded.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const out: string[] = [];
  for (const run of runs) {
    if (!UNSPACED.test(run)) {
      out.push(run);
      continue;
    }
    for (const part of wordSegmenter().segment(run)) if (part.isWordLike) out.push(part.segment);
  }
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_WORD = /[a-z0-9]+/g;
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

let segmenter: Intl.Segmenter | undefined;
// Built on first use: constructing one loads the engine's break dictionaries, which Latin-only sites never need.
function wordSegmenter(): Intl.Segmenter {
  return (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' }));
}
