#!/usr/bin/env node
// Writes tiny BERT-style model folders, laid out the way transformers.js expects a hub repository or a self-hosted
// copy of one, so the transformers encoder can be tested offline against a real ONNX graph:
//   config.json, tokenizer.json (WordPiece), tokenizer_config.json, onnx/model.onnx (fp32), onnx/model_quantized.onnx (q8)
// Two folders: `tiny-bert` (an English vocabulary, accents stripped as in an uncased English BERT) and
// `tiny-bert-multilingual` (English, French, German with their accents kept, and Chinese characters, split one per
// token as BERT splits CJK text). Every weight comes from a seeded PRNG, so two runs write byte-identical files. The
// files are generated, never committed: `npm run build` and the e2e server run this script.
// Usage: node scripts/generate-bert-fixture.mjs [--out test/fixtures/generated]   (one subfolder per model)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// onnx-proto is CommonJS: Node's ESM loader sees only its default export.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const args = process.argv.slice(2);
const out = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : join(import.meta.dirname, '..', 'test/fixtures/generated'));

const HIDDEN = 32;
const MAX_POSITIONS = 64;

const words = (text) => text.split(' ');
const continuations = (tokens) => tokens.map((t) => `##${t}`);
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const PUNCTUATION = [...'.,!?-\'&:;()/#%$"'];
// Whole words a shop might use, common suffixes, and every letter and digit (alone and as a `##` continuation) so
// that any word written in those letters has a tokenization.
const ENGLISH = words(
  'the an and or of for with to in on at by is it this that was not but my me we you would buy again great good bad ' +
    'camp camping stove tent sleeping bag warm winter night nights trail run running shoe shoes watch heart rate ' +
    'coffee espresso bean beans dark roast grinder burr filter kettle boil boils fast handle hot ' +
    'wireless noise headphones book books kids story bedtime cosy evening quick brown fox jumps over lazy dog ' +
    'season person light ultralight summit gps cotton size year old daughter loves expected week broke support never ' +
    'cafe creme hello world',
);
const ENGLISH_SUFFIXES = ['##es', '##ed', '##ing', '##er', '##ers', '##ly', '##ness'];
const ASCII = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

const FRENCH = words(
  'de la le les un une des du et pour avec sans fil très bon bonne chaud léger légère café crème cafetière thé vert ' +
    'chaussures course tente randonnée écouteurs bouilloire sac couchage hiver été qualité encore piston route',
);
const GERMAN = words('die der das und für mit sehr gut kaffee grüner tee zelt laufschuhe kopfhörer schnell größe straße');
const LATIN_SUFFIXES = ['##en', '##ée', '##ment', '##ung', '##heit'];
const ACCENTED = [...'àâæçéèêëîïôœùûüÿäöß'];
// Fullwidth punctuation is punctuation to BERT's pre-tokenizer, so each mark is a token of its own.
const CJK_PUNCTUATION = [...'，。！？、：；（）'];
// Chinese vocabularies hold single characters: BERT puts spaces around every CJK ideograph before WordPiece, so a
// Chinese word is always its characters. These are the characters of words a shop uses (each kept once, in order).
const CHINESE = [
  ...new Set(
    (
      '跑步鞋 运动鞋 男子 女子 轻量 透气 适合 马拉松 训练 咖啡机 咖啡豆 意式 家用 可以 打奶泡 做拿铁 手冲 细腻 绿茶 龙井 ' +
      '茶叶 清香 回甘 明前 露营帐篷 双人 户外 防雨 防风 快速 搭建 睡袋 保暖 冬季 降噪 蓝牙耳机 无线 通勤 安静 听歌 数码 ' +
      '充电宝 这台个款 很好用 不错 一二三四 的了是我买还会再 非常 质量 价格 便宜 快递 舒服 穿上天 夏'
    ).match(/\p{Script=Han}/gu),
  ),
];

const FIXTURES = [
  {
    name: 'tiny-bert',
    seed: 0x5eed_be27,
    stripAccents: null,
    vocabulary: [...SPECIAL, ...PUNCTUATION, ...ENGLISH, ...ENGLISH_SUFFIXES, ...ASCII, ...continuations(ASCII)],
  },
  {
    name: 'tiny-bert-multilingual',
    seed: 0x5eed_3a11,
    // Accents are kept (`é` is its own token), as in a cased multilingual vocabulary; lowercasing alone would strip them.
    stripAccents: false,
    vocabulary: [
      ...SPECIAL,
      ...PUNCTUATION,
      ...CJK_PUNCTUATION,
      ...ENGLISH,
      ...FRENCH,
      ...GERMAN,
      ...ENGLISH_SUFFIXES,
      ...LATIN_SUFFIXES,
      ...ASCII,
      ...ACCENTED,
      ...continuations([...ASCII, ...ACCENTED]),
      ...CHINESE,
    ],
  },
];
for (const { name, vocabulary } of FIXTURES) {
  const repeated = vocabulary.filter((t, i) => vocabulary.indexOf(t) !== i);
  if (repeated.length > 0) throw new Error(`generate-bert-fixture: the ${name} vocabulary repeats ${repeated.join(' ')}`);
}

/** mulberry32: a small seeded PRNG; uniform floats in [-scale, scale). */
function random(seed) {
  let s = seed >>> 0;
  return (scale) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  };
}

/** The layer's weights, drawn in a fixed order from `seed`. */
function drawWeights(vocabSize, seed) {
  const next = random(seed);
  const matrix = (rows, cols, scale) => ({ dims: [rows, cols], data: Float32Array.from({ length: rows * cols }, () => next(scale)) });
  const vector = (n, scale) => ({ dims: [n], data: Float32Array.from({ length: n }, () => next(scale)) });
  const projection = 1 / Math.sqrt(HIDDEN);
  return {
    word_embeddings: matrix(vocabSize, HIDDEN, 1),
    position_embeddings: matrix(MAX_POSITIONS, HIDDEN, 0.3),
    token_type_embeddings: matrix(2, HIDDEN, 0.3),
    query: matrix(HIDDEN, HIDDEN, projection),
    key: matrix(HIDDEN, HIDDEN, projection),
    value: matrix(HIDDEN, HIDDEN, projection),
    output: matrix(HIDDEN, HIDDEN, projection),
    output_bias: vector(HIDDEN, 0.1),
  };
}

const INT64 = onnx.TensorProto.DataType.INT64;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const bytes = (typed) => new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);

/**
 * One BERT-like layer: embeddings (word + position + token type), one masked single-head self-attention, a
 * residual and tanh. Padding positions get -10000 before the softmax, so they never change a real token's output
 * and a text's vector does not depend on what it is batched with.
 */
function buildModel(modelName, weights, quantized) {
  const nodes = [];
  const initializers = [];
  let unique = 0;
  const node = (opType, input, attribute = []) => {
    const output = `${opType.toLowerCase()}_${unique++}`;
    nodes.push({ opType, input, output: [output], attribute, name: output });
    return output;
  };
  const int64 = (name, values, dims = [values.length]) => {
    initializers.push({ name, dataType: INT64, dims, int64Data: values.map(String) });
    return name;
  };
  const float = (name, values, dims = [values.length]) => {
    initializers.push({ name, dataType: FLOAT, dims, rawData: bytes(Float32Array.from(values)) });
    return name;
  };
  // A weight: plain float, or (q8) symmetric int8 with one scale per tensor behind DequantizeLinear.
  const weight = (name) => {
    const { dims, data } = weights[name];
    if (!quantized || dims.length < 2) {
      initializers.push({ name, dataType: FLOAT, dims, rawData: bytes(data) });
      return name;
    }
    const scale = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 127 || 1;
    const q = Int8Array.from(data, (v) => Math.round(v / scale));
    initializers.push({ name: `${name}_int8`, dataType: onnx.TensorProto.DataType.INT8, dims, rawData: bytes(q) });
    float(`${name}_scale`, [scale], []);
    initializers.push({ name: `${name}_zero`, dataType: onnx.TensorProto.DataType.INT8, dims: [], rawData: new Uint8Array(1) });
    return node('DequantizeLinear', [`${name}_int8`, `${name}_scale`, `${name}_zero`]);
  };
  const attr = {
    int: (name, i) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
    ints: (name, ints) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  };

  const words = node('Gather', [weight('word_embeddings'), 'input_ids']);
  const types = node('Gather', [weight('token_type_embeddings'), 'token_type_ids']);
  const seqLength = node('Gather', [node('Shape', ['input_ids']), int64('one_scalar', [1], [])]);
  const positionIds = node('Range', [int64('zero_scalar', [0], []), seqLength, 'one_scalar']);
  const positions = node('Gather', [weight('position_embeddings'), positionIds]);
  const x = node('Add', [node('Add', [words, types]), positions]);

  const q = node('MatMul', [x, weight('query')]);
  const k = node('MatMul', [x, weight('key')]);
  const v = node('MatMul', [x, weight('value')]);
  const scores = node('Mul', [node('MatMul', [q, node('Transpose', [k], [attr.ints('perm', [0, 2, 1])])]), float('inv_sqrt_hidden', [1 / Math.sqrt(HIDDEN)], [])]);
  // (1 - mask) * -10000, shaped [batch, 1, seq] to broadcast over the query positions.
  const mask = node('Cast', ['attention_mask'], [attr.int('to', FLOAT)]);
  const penalty = node('Mul', [node('Sub', [float('one_float', [1], []), mask]), float('minus_big', [-10000], [])]);
  const probabilities = node('Softmax', [node('Add', [scores, node('Unsqueeze', [penalty, int64('axis_1', [1])])])], [attr.int('axis', -1)]);
  const context = node('MatMul', [probabilities, v]);
  const mixed = node('Add', [node('MatMul', [context, weight('output')]), weight('output_bias')]);
  const hidden = node('Tanh', [node('Add', [x, mixed])]);
  nodes.push({ opType: 'Identity', input: [hidden], output: ['last_hidden_state'], name: 'last_hidden_state' });

  const tensor = (name, elemType, shape) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  const model = {
    irVersion: 8,
    producerName: 'pocketrec-test-fixture',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: modelName,
      node: nodes,
      initializer: initializers,
      input: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => tensor(name, INT64, ['batch_size', 'sequence_length'])),
      output: [tensor('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', HIDDEN])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

/** tokenizer.json: lowercase, CJK split, accents stripped unless `stripAccents` is false (null follows lowercase). */
function tokenizerJson(vocabulary, stripAccents) {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((t, i) => special(i, t)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: stripAccents, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocabulary.indexOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocabulary.indexOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocabulary.map((t, i) => [t, i])) },
  };
}

const tokenizerConfig = (stripAccents) => ({
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  strip_accents: stripAccents,
  tokenize_chinese_chars: true,
  model_max_length: MAX_POSITIONS,
  clean_up_tokenization_spaces: true,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
});

const config = (vocabSize) => ({
  architectures: ['BertModel'],
  model_type: 'bert',
  hidden_size: HIDDEN,
  num_hidden_layers: 1,
  num_attention_heads: 1,
  intermediate_size: HIDDEN,
  hidden_act: 'tanh',
  vocab_size: vocabSize,
  max_position_embeddings: MAX_POSITIONS,
  type_vocab_size: 2,
  pad_token_id: 0,
  layer_norm_eps: 1e-12,
});

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
for (const { name, seed, stripAccents, vocabulary } of FIXTURES) {
  const folder = join(out, name);
  const weights = drawWeights(vocabulary.length, seed);
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  writeFileSync(join(folder, 'config.json'), json(config(vocabulary.length)));
  writeFileSync(join(folder, 'tokenizer.json'), json(tokenizerJson(vocabulary, stripAccents)));
  writeFileSync(join(folder, 'tokenizer_config.json'), json(tokenizerConfig(stripAccents)));
  writeFileSync(join(folder, 'onnx/model.onnx'), buildModel(name, weights, false));
  writeFileSync(join(folder, 'onnx/model_quantized.onnx'), buildModel(name, weights, true));
  console.log(`${name} fixture: ${vocabulary.length} tokens, hidden ${HIDDEN}, fp32 and q8 ONNX → ${folder}`);
}
