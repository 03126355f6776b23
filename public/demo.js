// The demo shop: plain DOM code around the script-tag build. All ranking happens in PocketRec's worker.
const $ = (selector, root = document) => root.querySelector(selector);
const grid = $('[data-testid="grid"]');
const recsList = $('[data-testid="recs"]');
const progress = $('[data-testid="progress"]');
const errorBanner = $('[data-testid="error"]');
const itemPage = $('[data-testid="item-page"]');
const K = 8;
const ROW = 8;

// Two shops: the English one with the bundled encoder, and a Chinese one. The bundled encoder read only English,
// so the Chinese shop runs the lexical encoder, which segments Chinese into words (see the README's Languages).
const LANG = new URLSearchParams(location.search).get('lang') === 'zh' ? 'zh' : 'en';
const SHOPS = {
  en: { catalog: '/catalog/catalog.json', dbName: 'pocketrec', encoder: 'auto', currency: '€' },
  zh: { catalog: '/catalog-zh/catalog.json', dbName: 'pocketrec-zh', encoder: 'lexical', currency: '¥' },
};
const shop = SHOPS[LANG];
const TEXT = {
  zh: {
    searchHint: '搜索：跑步鞋、咖啡豆、露营帐篷…', search: '搜索', showAll: '全部商品', forget: '忘记我', addToCart: '加入购物车', buy: '购买',
    notInterested: '不感兴趣', related: '相关商品', boughtTogether: '经常一起买', lookingSimilar: '看起来相似', forYou: '为你推荐', trending: '热门',
    today: '今天', thisWeek: '本周', thisMonth: '本月', allProducts: '全部商品', hint: '打开商品看看搭配；加入购物车、购买，或选择“不感兴趣”。',
    engine: '引擎', encoder: '编码器', languages: '语言', sequence: '序列模型', catalogue: '商品目录', lastRecommend: '上次推荐', history: '你的记录',
    privacy: '以上全部在本页计算。你的点击只保存在这个浏览器里。', view: '查看', cart: '购物车', resultsFor: '搜索结果：', nothing: '没有足够相关的商品。',
    events: '条记录', lexicalOnly: '条文本只按词语匹配',
  },
  en: { view: 'View', cart: 'Cart', resultsFor: 'Results for ', nothing: 'Nothing fits well enough.', events: 'events', lexicalOnly: 'texts matched on words only' },
};
const t = (key) => TEXT[LANG][key];

let rec;
let items = [];
let byId = new Map();
let openId = null;
const viewed = new Set();

function translatePage() {
  document.documentElement.lang = LANG === 'zh' ? 'zh-CN' : 'en';
  $('[data-testid="lang"]').value = LANG;
  if (LANG === 'en') return;
  document.querySelectorAll('[data-i18n]').forEach((el) => TEXT.zh[el.dataset.i18n] && (el.textContent = TEXT.zh[el.dataset.i18n]));
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => (el.placeholder = TEXT.zh[el.dataset.i18nPlaceholder]));
  document.title = 'PocketRec 演示商店';
}

function showError(error) {
  errorBanner.hidden = false;
  errorBanner.textContent = `${error.code ?? 'error'}: ${error.message}`;
}

function onProgress({ phase, loaded, total }) {
  const label = { 'catalog-download': 'Downloading catalogue', 'catalog-parse': 'Reading catalogue', 'model-download': 'Downloading model', embed: 'Embedding items', ready: 'Ready' }[phase] ?? phase;
  $('.bar', progress).style.width = `${total ? Math.round((100 * loaded) / total) : 0}%`;
  $('.label', progress).textContent = `${label}…`;
  if (phase === 'ready') progress.classList.add('done');
}

const money = (price) => (price === undefined ? '' : `${shop.currency}${price.toFixed(2)}`);

function card(item) {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.testid = 'product';
  el.dataset.itemId = item.id;
  el.dataset.category = item.category ?? '';
  el.innerHTML = `
    <img alt="" loading="lazy">
    <div class="body">
      <div class="title"></div>
      <div class="meta"><span class="brand"></span> · <span class="cat"></span></div>
      <div class="price"></div>
      <div class="actions">
        <button type="button" data-action="view"></button>
        <button type="button" data-action="cart"></button>
        <button type="button" data-action="dismiss" title="Not interested" aria-label="Not interested">✕</button>
      </div>
    </div>`;
  $('img', el).src = item.imageUrl ?? '';
  $('.title', el).textContent = item.title;
  $('.brand', el).textContent = item.brand ?? '';
  $('.cat', el).textContent = item.category ?? '';
  $('.price', el).textContent = money(item.price);
  $('[data-action="view"]', el).textContent = t('view');
  $('[data-action="cart"]', el).textContent = `+ ${t('cart')}`;
  if (viewed.has(item.id)) el.classList.add('viewed');
  return el;
}

function showGrid(list, title) {
  $('[data-testid="grid-title"]').textContent = title;
  grid.replaceChildren(...list.map(card));
}

/** A small card with its reason; rows and the recommendation list share it. Clicking opens the item. */
function mini({ id, item, score, reason }, testid) {
  const li = document.createElement('li');
  li.dataset.testid = testid;
  li.dataset.itemId = id;
  li.tabIndex = 0;
  // Scores of different surfaces are on different scales, and diversity re-orders the feed: a tooltip, not a column.
  li.title = `score ${score.toFixed(2)}`;
  li.innerHTML = '<img alt=""><div><div class="t"></div><div data-testid="reason"></div></div>';
  $('img', li).src = item.imageUrl ?? '';
  $('.t', li).textContent = item.title;
  $('[data-testid="reason"]', li).textContent = reason;
  const open = () => openItem(id);
  li.addEventListener('click', open);
  li.addEventListener('keydown', (e) => e.key === 'Enter' && open());
  return li;
}

function showRow(list, results) {
  const empty = document.createElement('li');
  empty.className = 'empty';
  empty.textContent = t('nothing');
  list.replaceChildren(...(results.length ? results.map((r) => mini(r, 'row-item')) : [empty]));
}

function showRecommendations(recommendations) {
  recsList.replaceChildren(...recommendations.map((r) => mini(r, 'rec')));
  recsList.classList.remove('fresh');
  void recsList.offsetWidth;
  recsList.classList.add('fresh');
}

async function refreshStatus() {
  const s = await rec.status();
  // With the catalogue's shipped embeddings the encoder loads only when text needs it (or `ready('encoder')`).
  $('[data-testid="device"]').textContent = s.encoder.id ? `${s.encoder.id} on ${s.encoder.device}` : `${s.encoder.state}…`;
  const languages = s.encoder.languages === null ? '…' : s.encoder.languages === 'any' ? 'every script' : s.encoder.languages.join(', ');
  $('[data-testid="languages"]').textContent = `${languages}; ${s.encoder.lexicalOnlyTexts} ${t('lexicalOnly')}`;
  const q = s.sequence;
  $('[data-testid="sequence"]').textContent = q
    ? q.state === 'loading'
      ? `${(q.bytes / 1024).toFixed(0)} kB ${q.dtype}, loading…`
      : `${(q.bytes / 1024).toFixed(0)} kB ${q.dtype} on ${q.device}${q.training ? `, trained here at build time (VALID NDCG@10 ${q.training.validNdcg10.toFixed(2)})` : ''}`
    : 'none in this catalogue';
  $('[data-testid="catalog"]').textContent = `${s.catalog.itemCount} items, version ${s.catalog.version.slice(0, 8)}${s.catalog.fromCache ? ' (cached)' : ''}`;
  $('[data-testid="history-size"]').textContent = `${s.historySize} ${t('events')}`;
}

async function recommendNow() {
  const started = performance.now();
  const recommendations = await rec.recommend({ k: K });
  $('[data-testid="latency"]').textContent = `${(performance.now() - started).toFixed(1)} ms (ranking ${(await rec.status()).timings.lastRecommendMs.toFixed(1)} ms in the worker)`;
  showRecommendations(recommendations);
}

async function showTrending() {
  const window = Number($('[data-testid="trending-window"]').value);
  showRow($('[data-testid="row-trending"]'), await rec.trending({ k: 10, window }));
}

/** The item page: the product, then what relates to it, what goes in the same basket, and what looks alike. */
async function openItem(itemId) {
  const item = byId.get(itemId);
  if (!item) return;
  openId = itemId;
  itemPage.hidden = false;
  $('[data-testid="item-image"]').src = item.imageUrl ?? '';
  $('[data-testid="item-title"]').textContent = item.title;
  $('[data-testid="item-meta"]').textContent = [item.brand, item.category].filter(Boolean).join(' · ');
  $('[data-testid="item-description"]').textContent = item.description ?? '';
  $('[data-testid="item-price"]').textContent = money(item.price);
  itemPage.scrollIntoView({ block: 'start', behavior: 'instant' });
  await act('view', itemId);
  const [related, together, similar] = await Promise.all([
    rec.related([itemId], { k: ROW, fallback: 'trending-in-category' }),
    rec.boughtTogether([itemId], { k: ROW, fallback: 'trending-in-category' }),
    rec.lookingSimilar(itemId, { k: ROW, threshold: 0.2 }),
  ]);
  if (openId !== itemId) return;
  showRow($('[data-testid="row-related"]'), related);
  showRow($('[data-testid="row-bought-together"]'), together);
  showRow($('[data-testid="row-looking-similar"]'), similar);
  itemPage.dataset.loaded = itemId;
}

const ACTIONS = { view: 'view', cart: 'add_to_cart', buy: 'purchase', dismiss: 'dismiss', click: 'click' };

async function act(action, itemId) {
  try {
    if (action === 'view' || action === 'click') {
      viewed.add(itemId);
      document.querySelectorAll(`[data-testid="product"][data-item-id="${CSS.escape(itemId)}"]`).forEach((el) => el.classList.add('viewed'));
    }
    await rec.track({ type: ACTIONS[action], itemId, context: { surface: 'demo-grid' } });
    await refreshStatus();
  } catch (error) {
    showError(error);
  }
}

grid.addEventListener('click', (event) => {
  const el = event.target.closest('[data-testid="product"]');
  if (!el) return;
  const button = event.target.closest('[data-action]');
  const action = button ? button.dataset.action : 'view';
  if (action === 'view') openItem(el.dataset.itemId);
  else act(action, el.dataset.itemId);
});

itemPage.addEventListener('click', (event) => {
  const button = event.target.closest('[data-item-action]');
  if (!button || !openId) return;
  if (button.dataset.itemAction === 'close') {
    itemPage.hidden = true;
    openId = null;
  } else act(button.dataset.itemAction, openId);
});

$('[data-testid="search"]').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = new FormData(event.target).get('q').toString().trim();
  if (!query) return;
  try {
    // A threshold on relevance: nonsense finds nothing instead of twelve poor matches.
    const results = await rec.search(query, 12, { threshold: 0.3 });
    // Only a search that found something says what the visitor wants (and may later be named as a reason).
    if (results.length) await rec.track({ type: 'search', query });
    showGrid(results.map((r) => r.item), `${t('resultsFor')}“${query}”`);
    if (!results.length) grid.textContent = t('nothing');
    $('[data-action="clear-search"]').hidden = false;
    await refreshStatus();
  } catch (error) {
    showError(error);
  }
});

$('[data-action="clear-search"]').addEventListener('click', (event) => {
  event.target.hidden = true;
  showGrid(items, t('allProducts') ?? 'All products');
});

$('[data-testid="forget"]').addEventListener('click', async () => {
  await rec.forget();
  viewed.clear();
  document.querySelectorAll('.card.viewed').forEach((el) => el.classList.remove('viewed'));
  await recommendNow();
  await refreshStatus();
});

$('[data-testid="lang"]').addEventListener('change', (event) => {
  const url = new URL(location.href);
  if (event.target.value === 'zh') url.searchParams.set('lang', 'zh');
  else url.searchParams.delete('lang');
  location.assign(url);
});

$('[data-testid="trending-window"]').addEventListener('change', () => showTrending().catch(showError));

async function main() {
  translatePage();
  try {
    rec = await PocketRec.createRecommender({ catalog: shop.catalog, dbName: shop.dbName, encoder: shop.encoder, onProgress, defaultK: K });
    window.demoRecommender = rec;
    // A shop renders its own product list; PocketRec only ranks. (The browser's cache answers this request.)
    const text = await (await fetch(new URL('items.ndjson', new URL(shop.catalog, location.href)))).text();
    items = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    byId = new Map(items.map((item) => [item.id, item]));
    (await rec.exportHistory()).events.forEach((e) => e.itemId && (e.type === 'view' || e.type === 'click') && viewed.add(e.itemId));
    showGrid(items, t('allProducts') ?? 'All products');
    rec.subscribe(({ recommendations }) => showRecommendations(recommendations));
    await Promise.all([recommendNow(), showTrending()]);
    await refreshStatus();
    document.body.dataset.ready = 'true';
    // The first recommendation waited for the catalogue alone. The sequence model opens now (the panel is ranked
    // again once it is there), and the search box will need the encoder, so it loads in the background rather than
    // on the first keystroke.
    void rec
      .ready('sequence')
      .then(async () => (await recommendNow(), await refreshStatus(), (document.body.dataset.sequence = 'settled')))
      .catch(showError);
    void rec
      .ready('encoder')
      .then(async () => (await refreshStatus(), (document.body.dataset.encoder = 'settled')))
      .catch(showError);
  } catch (error) {
    progress.classList.add('done');
    showError(error);
  }
}

main();
