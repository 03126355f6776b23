// The demo shop: plain DOM code around the script-tag build. All ranking happens in PocketRec's worker.
const $ = (selector, root = document) => root.querySelector(selector);
const grid = $('[data-testid="grid"]');
const recsList = $('[data-testid="recs"]');
const progress = $('[data-testid="progress"]');
const errorBanner = $('[data-testid="error"]');
const K = 8;

let rec;
let items = [];
const viewed = new Set();

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

const money = (price) => (price === undefined ? '' : `€${price.toFixed(2)}`);

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
        <button type="button" data-action="view">View</button>
        <button type="button" data-action="cart">Add to cart</button>
        <button type="button" data-action="buy">Buy</button>
        <button type="button" data-action="dismiss" title="Not interested">✕</button>
      </div>
    </div>`;
  $('img', el).src = item.imageUrl ?? '';
  $('.title', el).textContent = item.title;
  $('.brand', el).textContent = item.brand ?? '';
  $('.cat', el).textContent = item.category ?? '';
  $('.price', el).textContent = money(item.price);
  if (viewed.has(item.id)) el.classList.add('viewed');
  return el;
}

function showGrid(list, title) {
  $('[data-testid="grid-title"]').textContent = title;
  grid.replaceChildren(...list.map(card));
}

function showRecommendations(recommendations) {
  recsList.replaceChildren(
    ...recommendations.map(({ id, item, score, reason }) => {
      const li = document.createElement('li');
      li.dataset.testid = 'rec';
      li.dataset.itemId = id;
      li.innerHTML = '<img alt=""><div><div class="t"></div><div data-testid="reason"></div></div><span class="score"></span>';
      $('img', li).src = item.imageUrl ?? '';
      $('.t', li).textContent = item.title;
      $('[data-testid="reason"]', li).textContent = reason;
      $('.score', li).textContent = score.toFixed(2);
      li.addEventListener('click', () => act('click', id));
      return li;
    }),
  );
  recsList.classList.remove('fresh');
  void recsList.offsetWidth;
  recsList.classList.add('fresh');
}

async function refreshStatus() {
  const s = await rec.status();
  $('[data-testid="device"]').textContent = `${s.encoder.id} on ${s.encoder.device}`;
  const q = s.sequence;
  $('[data-testid="sequence"]').textContent = q
    ? `${(q.bytes / 1024).toFixed(0)} kB ${q.dtype} on ${q.device}${q.training ? `, trained here at build time (VALID NDCG@10 ${q.training.validNdcg10.toFixed(2)})` : ''}`
    : 'none in this catalogue';
  $('[data-testid="catalog"]').textContent = `${s.catalog.itemCount} items, version ${s.catalog.version.slice(0, 8)}${s.catalog.fromCache ? ' (cached)' : ''}`;
  $('[data-testid="history-size"]').textContent = `${s.historySize} events`;
}

async function recommendNow() {
  const started = performance.now();
  const recommendations = await rec.recommend({ k: K });
  $('[data-testid="latency"]').textContent = `${(performance.now() - started).toFixed(1)} ms (ranking ${(await rec.status()).timings.lastRecommendMs.toFixed(1)} ms in the worker)`;
  showRecommendations(recommendations);
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
  act(button ? button.dataset.action : 'view', el.dataset.itemId);
});

$('[data-testid="search"]').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = new FormData(event.target).get('q').toString().trim();
  if (!query) return;
  try {
    await rec.track({ type: 'search', query });
    const results = await rec.search(query, 12);
    showGrid(results.map((r) => r.item), `Results for “${query}”`);
    $('[data-action="clear-search"]').hidden = false;
    await refreshStatus();
  } catch (error) {
    showError(error);
  }
});

$('[data-action="clear-search"]').addEventListener('click', (event) => {
  event.target.hidden = true;
  showGrid(items, 'All products');
});

$('[data-testid="forget"]').addEventListener('click', async () => {
  await rec.forget();
  viewed.clear();
  document.querySelectorAll('.card.viewed').forEach((el) => el.classList.remove('viewed'));
  await recommendNow();
  await refreshStatus();
});

async function main() {
  try {
    rec = await PocketRec.createRecommender({ catalog: '/catalog/catalog.json', onProgress, defaultK: K });
    window.demoRecommender = rec;
    // A shop renders its own product list; PocketRec only ranks. (The browser's cache answers this request.)
    const text = await (await fetch('/catalog/items.ndjson')).text();
    items = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    (await rec.exportHistory()).events.forEach((e) => e.itemId && (e.type === 'view' || e.type === 'click') && viewed.add(e.itemId));
    showGrid(items, 'All products');
    rec.subscribe(({ recommendations }) => showRecommendations(recommendations));
    await recommendNow();
    await refreshStatus();
    document.body.dataset.ready = 'true';
  } catch (error) {
    progress.classList.add('done');
    showError(error);
  }
}

main();
