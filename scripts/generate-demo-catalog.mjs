#!/usr/bin/env node
// The demo shop, written here: ~330 items in 11 departments and an aggregate log of simulated shoppers, plus a
// 72-item Chinese shop (<outDir>/zh/) for the demo's language switch.
// Deterministic (seeded), so every build of the demo shows the same shop.
// Usage: node scripts/generate-demo-catalog.mjs <outDir>   → <outDir>/items.json, <outDir>/interactions.ndjson
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: generate-demo-catalog.mjs <outDir>');

let seed = 20261123;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const pickSome = (xs, n) => [...xs].sort(() => rand() - 0.5).slice(0, n);

// Each department: brands, products (noun, price range, tags), attributes, and sentences to describe them.
const DEPARTMENTS = {
  'Coffee & Tea': {
    colour: '#8b5a2b',
    brands: ['Roastery Nine', 'Kaldi & Co', 'Morning Ritual', 'Tea Garden'],
    products: [
      ['Espresso Beans', [12, 28], ['espresso', 'beans', 'dark roast']], ['Filter Coffee', [10, 24], ['filter', 'beans', 'light roast']],
      ['Burr Grinder', [60, 240], ['grinder', 'espresso', 'filter']], ['Pour-Over Dripper', [18, 45], ['pour-over', 'filter', 'ceramic']],
      ['Milk Frother', [25, 90], ['milk', 'latte', 'espresso']], ['Green Tea', [6, 20], ['tea', 'green', 'loose leaf']],
      ['Gooseneck Kettle', [35, 120], ['kettle', 'pour-over', 'tea']], ['Cold Brew Jar', [20, 40], ['cold brew', 'summer', 'filter']],
    ],
    attrs: ['Single-Origin', 'Organic', 'Barista', 'Ethiopian', 'Colombian', 'Matte Black', 'Ceramic'],
    lines: ['Notes of dark chocolate and toasted almond.', 'Bright and fruity with a clean finish.', 'Built for a consistent grind from espresso to French press.', 'A calm morning ritual in a cup.', 'Precise pouring for even extraction.', 'Steams silky microfoam for lattes at home.'],
  },
  Kitchen: {
    colour: '#c0392b',
    brands: ['Hearth & Home', 'Copperleaf', 'Forge Kitchen', 'Basil Lane'],
    products: [
      ['Cast Iron Skillet', [30, 90], ['cast iron', 'frying', 'oven']], ['Chef Knife', [40, 180], ['knife', 'steel', 'prep']],
      ['Dutch Oven', [60, 250], ['braising', 'bread', 'oven']], ['Cutting Board', [20, 70], ['wood', 'prep', 'board']],
      ['Stand Mixer', [180, 450], ['baking', 'bread', 'dough']], ['Spice Rack', [15, 50], ['spices', 'storage', 'pantry']],
      ['Pasta Maker', [40, 120], ['pasta', 'italian', 'dough']], ['Sourdough Kit', [25, 60], ['bread', 'sourdough', 'baking']],
    ],
    attrs: ['Enamelled', 'Japanese Steel', 'Pre-Seasoned', 'Walnut', 'Professional', 'Compact'],
    lines: ['Holds heat evenly for a perfect sear.', 'Razor sharp out of the box and easy to hone.', 'From slow braises to crusty loaves.', 'Everything a home baker needs to get started.', 'Fresh pasta in minutes, no experience needed.'],
  },
  Outdoor: {
    colour: '#2e7d32',
    brands: ['Summit Trail', 'Northwind', 'Pine & Peak', 'Basecamp'],
    products: [
      ['Camping Tent', [90, 450], ['camping', 'tent', 'shelter']], ['Sleeping Bag', [50, 300], ['camping', 'sleep', 'warm']],
      ['Backpacking Stove', [30, 140], ['camping', 'cooking', 'hiking']], ['Hiking Backpack', [60, 260], ['hiking', 'pack', 'trail']],
      ['Headlamp', [15, 70], ['light', 'camping', 'night']], ['Trekking Poles', [35, 150], ['hiking', 'trail', 'poles']],
      ['Water Filter', [20, 90], ['hiking', 'water', 'camping']], ['Camp Chair', [30, 110], ['camping', 'chair', 'festival']],
    ],
    attrs: ['Ultralight', '2-Person', '4-Season', 'Waterproof', 'Carbon', 'Packable', '3-Season'],
    lines: ['Pitches in minutes and shrugs off wind and rain.', 'Warm down to freezing nights in the mountains.', 'Boils water fast on windy ridgelines.', 'Carries a weekend of gear in comfort.', 'Made for long days on the trail.'],
  },
  Running: {
    colour: '#1565c0',
    brands: ['Stride Lab', 'Pacer', 'Fleetfoot', 'Runway Sports'],
    products: [
      ['Road Running Shoes', [90, 200], ['running', 'road', 'shoes']], ['Trail Running Shoes', [100, 210], ['running', 'trail', 'shoes']],
      ['GPS Running Watch', [150, 600], ['running', 'watch', 'gps']], ['Running Socks', [10, 25], ['running', 'socks', 'blister-free']],
      ['Hydration Vest', [60, 160], ['running', 'trail', 'hydration']], ['Running Jacket', [70, 220], ['running', 'rain', 'jacket']],
      ['Foam Roller', [20, 50], ['recovery', 'running', 'stretching']], ['Energy Gels', [15, 35], ['running', 'nutrition', 'marathon']],
    ],
    attrs: ['Cushioned', 'Lightweight', 'Marathon', 'Reflective', 'Breathable', 'Carbon-Plated'],
    lines: ['Responsive cushioning for long road miles.', 'Grips mud and rock on technical trails.', 'Tracks pace, heart rate and recovery.', 'Stays dry and light when the rain comes.', 'Fuel for race day and long training runs.'],
  },
  Audio: {
    colour: '#6a1b9a',
    brands: ['Sonora', 'Bassline', 'Echo Park', 'Clearwave'],
    products: [
      ['Wireless Headphones', [80, 400], ['headphones', 'wireless', 'noise cancelling']], ['Earbuds', [40, 250], ['earbuds', 'wireless', 'sport']],
      ['Bluetooth Speaker', [40, 300], ['speaker', 'portable', 'wireless']], ['Turntable', [150, 600], ['vinyl', 'records', 'hi-fi']],
      ['Soundbar', [120, 700], ['tv', 'home cinema', 'speaker']], ['Studio Microphone', [60, 300], ['podcast', 'recording', 'microphone']],
    ],
    attrs: ['Noise-Cancelling', 'Waterproof', 'Studio', 'Retro', 'Hi-Res', 'Compact'],
    lines: ['Immersive sound with all-day battery life.', 'Shuts out the commute so the music comes through.', 'Warm analogue sound for your record collection.', 'Crisp voice for podcasts and streaming.', 'Fills a room and survives the beach.'],
  },
  Books: {
    colour: '#ef6c00',
    brands: ['Harbour Press', 'Lantern Books', 'Northlight Publishing', 'Quill & Ink'],
    products: [
      ['Mystery Novel', [9, 25], ['fiction', 'mystery', 'crime']], ['Science Fiction Novel', [9, 25], ['fiction', 'sci-fi', 'space']],
      ['Cookbook', [20, 45], ['cooking', 'recipes', 'kitchen']], ['Hiking Guide', [15, 35], ['hiking', 'travel', 'outdoor']],
      ['Marathon Training Guide', [15, 30], ['running', 'training', 'fitness']], ['Coffee Atlas', [25, 50], ['coffee', 'travel', 'reference']],
      ['Children\'s Picture Book', [8, 20], ['kids', 'bedtime', 'illustrated']], ['History Book', [15, 40], ['history', 'non-fiction', 'biography']],
    ],
    attrs: ['Bestselling', 'Illustrated', 'Award-Winning', 'Paperback', 'Hardcover', 'Collector\'s Edition'],
    lines: ['A page-turner you will finish in a weekend.', 'Beautifully illustrated and full of practical advice.', 'Recipes and stories from kitchens around the world.', 'Routes, maps and tips for every season.', 'A gripping story about a generation starship.'],
  },
  Games: {
    colour: '#00838f',
    brands: ['Meeple Works', 'Dice Tower', 'Pixel Forge', 'Tabletop Co'],
    products: [
      ['Strategy Board Game', [30, 90], ['board game', 'strategy', 'family']], ['Party Card Game', [12, 30], ['card game', 'party', 'friends']],
      ['Cooperative Adventure Game', [40, 120], ['board game', 'cooperative', 'adventure']], ['Jigsaw Puzzle', [15, 40], ['puzzle', 'relaxing', 'family']],
      ['Retro Game Console', [60, 150], ['video games', 'retro', 'console']], ['Wireless Game Controller', [40, 80], ['video games', 'controller', 'pc']],
    ],
    attrs: ['Deluxe', '1000-Piece', 'Family', 'Expansion-Ready', 'Two-Player', 'Classic'],
    lines: ['Easy to learn, with endless replay value.', 'Laughs guaranteed at every game night.', 'Team up to beat the board together.', 'Hundreds of classic games in your pocket.'],
  },
  Stationery: {
    colour: '#5d4037',
    brands: ['Paper & Pine', 'Inkwell', 'Fieldnote', 'Atelier'],
    products: [
      ['Dot Grid Notebook', [10, 30], ['notebook', 'journaling', 'bullet journal']], ['Fountain Pen', [25, 200], ['pen', 'ink', 'writing']],
      ['Watercolour Set', [20, 80], ['painting', 'art', 'watercolour']], ['Desk Organizer', [15, 60], ['desk', 'storage', 'office']],
      ['Sketchbook', [12, 35], ['drawing', 'art', 'sketching']], ['Bottled Ink', [8, 25], ['ink', 'fountain pen', 'writing']],
    ],
    attrs: ['A5', 'Leather-Bound', 'Refillable', 'Artist-Grade', 'Recycled', 'Pocket'],
    lines: ['Smooth paper that loves fountain pen ink.', 'A daily companion for notes and sketches.', 'Vivid pigments for travel painting.', 'Keeps the desk tidy and the mind clear.'],
  },
  Fitness: {
    colour: '#ad1457',
    brands: ['Iron Oak', 'Flow Studio', 'CoreWorks', 'Peak Form'],
    products: [
      ['Yoga Mat', [25, 110], ['yoga', 'mat', 'stretching']], ['Adjustable Dumbbells', [120, 400], ['strength', 'weights', 'home gym']],
      ['Resistance Bands', [15, 40], ['strength', 'mobility', 'travel']], ['Kettlebell', [30, 120], ['strength', 'kettlebell', 'home gym']],
      ['Jump Rope', [10, 35], ['cardio', 'conditioning', 'boxing']], ['Pull-Up Bar', [25, 70], ['strength', 'calisthenics', 'home gym']],
    ],
    attrs: ['Non-Slip', 'Eco Cork', 'Competition', 'Speed', 'Doorway', 'Heavy-Duty'],
    lines: ['A steady grip for every flow and hold.', 'A full home gym in one corner.', 'Mobility and strength work anywhere you travel.', 'Conditioning that fits in a backpack.'],
  },
  'Home Decor': {
    colour: '#827717',
    brands: ['Nest & Nook', 'Linen House', 'Lumen', 'Greenhouse'],
    products: [
      ['Table Lamp', [40, 180], ['lighting', 'lamp', 'living room']], ['Linen Throw', [35, 120], ['textiles', 'cosy', 'sofa']],
      ['Scented Candle', [12, 45], ['candle', 'fragrance', 'cosy']], ['Ceramic Planter', [15, 70], ['plants', 'ceramic', 'indoor garden']],
      ['Wall Art Print', [20, 90], ['art', 'wall', 'print']], ['Wool Rug', [90, 400], ['rug', 'wool', 'living room']],
    ],
    attrs: ['Handmade', 'Scandinavian', 'Terracotta', 'Warm White', 'Botanical', 'Minimalist'],
    lines: ['Soft warm light for slow evenings.', 'Brings texture and calm to any room.', 'Notes of cedar, fig and amber.', 'Gives your plants a handsome home.'],
  },
  Kids: {
    colour: '#f9a825',
    brands: ['Little Oak', 'Tiny Tribe', 'Bright Blocks', 'Moonbeam'],
    products: [
      ['Wooden Building Blocks', [20, 60], ['toys', 'wooden', 'building']], ['Plush Bear', [12, 35], ['toys', 'plush', 'bedtime']],
      ['Balance Bike', [60, 150], ['outdoor', 'bike', 'toddler']], ['Art Easel', [40, 110], ['art', 'drawing', 'creative']],
      ['Science Kit', [20, 60], ['science', 'stem', 'experiments']], ['Night Light', [15, 40], ['bedtime', 'light', 'nursery']],
    ],
    attrs: ['Montessori', 'Rainbow', 'Eco-Friendly', 'Glow-in-the-Dark', 'Junior', 'Starter'],
    lines: ['Open-ended play that grows with your child.', 'A cuddly friend for bedtime stories.', 'First rides with confidence and balance.', 'Hands-on experiments for curious minds.'],
  },
};

// Product pictures, drawn here as SVG: a department colour, a shape per product kind and the product's initials.
// Generated with the catalogue, never committed as binaries.
const SHAPES = [
  '<circle cx="60" cy="42" r="22" fill="#fff3"/>',
  '<rect x="36" y="20" width="48" height="44" rx="8" fill="#fff3"/>',
  '<path d="M60 16 88 66H32Z" fill="#fff3"/>',
  '<path d="M30 58c10-30 50-30 60 0z" fill="#fff3"/>',
  '<rect x="28" y="30" width="64" height="26" rx="13" fill="#fff3"/>',
  '<path d="M60 18l8 16 18 3-13 12 3 18-16-8-16 8 3-18-13-12 18-3z" fill="#fff3"/>',
  '<ellipse cx="60" cy="44" rx="30" ry="16" fill="#fff3"/>',
  '<path d="M38 64V30l22-12 22 12v34z" fill="#fff3"/>',
];
function svg(colour, text, shape) {
  const words = text.split(/\s+/).filter((w) => /^\p{L}/u.test(w));
  // Chinese titles have no spaces: their first two characters stand in for initials.
  const initials = words.length > 1 ? words.slice(0, 2).map((w) => [...w][0]).join('') : [...(words[0] ?? '')].slice(0, 2).join('');
  const s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 90"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${colour}"/><stop offset="1" stop-color="${colour}" stop-opacity=".72"/></linearGradient></defs><rect width="120" height="90" rx="8" fill="url(#g)"/>${SHAPES[shape % SHAPES.length]}<text x="60" y="80" font-family="system-ui,sans-serif" font-size="16" font-weight="700" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(s)}`;
}

const items = [];
const today = Date.parse('2026-11-01T00:00:00Z');
for (const [department, d] of Object.entries(DEPARTMENTS)) {
  const slug = department.toLowerCase().replace(/[^a-z]+/g, '-');
  let n = 0;
  // Every product in every department, with 3–5 variants: brand × attribute, so neighbours are meaningful.
  for (const [p, [noun, [lo, hi], tags]] of d.products.entries()) {
    const variants = 4 + Math.floor(rand() * 3);
    const used = new Set();
    for (let v = 0; v < variants; v++) {
      const brand = pick(d.brands);
      const attr = pick(d.attrs);
      const title = `${brand} ${attr} ${noun}`;
      if (used.has(title)) continue;
      used.add(title);
      const id = `${slug}-${String(++n).padStart(3, '0')}`;
      const description = [d.lines[p % d.lines.length], pick(d.lines), `${attr} design by ${brand}.`].filter((x, i, a) => a.indexOf(x) === i).join(' ');
      const days = Math.floor(rand() ** 2 * 700);
      items.push({
        id,
        title,
        description,
        category: department,
        tags: [...tags, attr.toLowerCase()].slice(0, 5),
        brand,
        price: Number((Math.round(lo + rand() * (hi - lo)) - 0.01).toFixed(2)),
        publishedAt: new Date(today - days * 86_400_000).toISOString().slice(0, 10),
        imageUrl: svg(d.colour, title.replace(brand, '').trim(), p),
        ...(['Coffee & Tea', 'Running'].includes(department) && /Beans|Coffee|Tea|Gels|Socks/.test(noun) ? { repeatable: true } : {}),
      });
    }
  }
}

// Shoppers with one or two interests browse themed sessions: the co-occurrence, "next item" and bought-together
// signals the build derives from this log are what a real shop's aggregate logs would give.
function simulateLog(items, shoppers) {
  const byCategory = new Map();
  for (const item of items) byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
  const departments = [...byCategory.keys()];
  const log = [];
  let ts = today - 60 * 86_400_000;
  for (let u = 0; u < shoppers; u++) {
    const interests = pickSome(departments, 1 + Math.floor(rand() * 2));
    for (let s = 0; s < 1 + Math.floor(rand() * 4); s++) {
      const pool = byCategory.get(pick(interests));
      let current = pick(pool);
      for (let step = 0; step < 3 + Math.floor(rand() * 6); step++) {
        ts += Math.floor(rand() * 600_000);
        const type = rand() < 0.7 ? 'view' : rand() < 0.6 ? 'add_to_cart' : 'purchase';
        log.push(JSON.stringify({ userId: `shopper-${u}`, itemId: current.id, type, timestamp: ts }));
        // Next item: usually a sibling sharing a tag, sometimes anything in the department.
        const siblings = pool.filter((i) => i !== current && i.tags.some((t) => current.tags.includes(t)));
        current = siblings.length && rand() < 0.75 ? pick(siblings) : pick(pool);
      }
    }
  }
  return { log, departments };
}

// First, so that the English shop's log stays what it was before the Chinese shop existed.
const { log, departments } = simulateLog(items, 240);

// The same shop's little sister in Chinese, for the language switch: its own products, words and log.
const ZH_DEPARTMENTS = {
  运动鞋: { colour: '#1565c0', brands: ['疾风', '步履', '飞驰'], products: [['跑步鞋', ['跑步', '缓震']], ['越野跑鞋', ['越野', '跑步']], ['篮球鞋', ['篮球', '高帮']], ['休闲运动鞋', ['休闲', '通勤']]], attrs: ['轻量', '透气', '防滑', '经典'], lines: ['适合公路跑和马拉松训练。', '大底防滑，山路泥地也能稳稳抓地。', '日常穿着舒适百搭。', '脚感回弹，久穿不累。'] },
  咖啡: { colour: '#8b5a2b', brands: ['晨光', '山谷', '烘焙坊'], products: [['咖啡豆', ['咖啡豆', '烘焙']], ['咖啡机', ['意式', '奶泡']], ['磨豆机', ['研磨', '手冲']], ['手冲壶', ['手冲', '滤杯']]], attrs: ['深烘', '单一产地', '家用', '专业'], lines: ['巧克力与坚果风味。', '十五巴压力，在家做拿铁。', '研磨粗细可调。', '细口出水，冲煮均匀。'] },
  茶叶: { colour: '#2e7d32', brands: ['西湖', '武夷', '云岭'], products: [['绿茶', ['绿茶', '清香']], ['普洱茶', ['普洱', '醇厚']], ['乌龙茶', ['乌龙', '兰香']], ['紫砂壶', ['茶具', '紫砂']]], attrs: ['明前', '陈年', '手工', '特级'], lines: ['豆香清新，回味甘甜。', '汤色红浓，口感顺滑。', '七泡有余香。', '泡茶最合适的茶具。'] },
  户外: { colour: '#827717', brands: ['山峰', '远行', '营地'], products: [['露营帐篷', ['露营', '帐篷']], ['睡袋', ['露营', '保暖']], ['登山包', ['徒步', '背包']], ['头灯', ['夜跑', '露营']]], attrs: ['双人', '轻量', '防水', '四季'], lines: ['防雨防风，三分钟快速搭建。', '冬季露营和高山徒步使用。', '背负透气，适合周末徒步。', '强光可充电，夜里看得清。'] },
  数码: { colour: '#6a1b9a', brands: ['声海', '极光', '方寸'], products: [['蓝牙耳机', ['耳机', '降噪']], ['充电宝', ['快充', '旅行']], ['智能手环', ['心率', '跑步']], ['蓝牙音箱', ['音箱', '便携']]], attrs: ['降噪', '快充', '防水', '迷你'], lines: ['通勤地铁上安静听歌。', '出差旅行必备。', '监测心率和睡眠。', '小巧便携，声音饱满。'] },
  服装: { colour: '#ad1457', brands: ['棉语', '北纬', '素衣'], products: [['纯棉T恤', ['T恤', '纯棉']], ['羽绒服', ['羽绒', '保暖']], ['冲锋衣', ['防水', '登山']], ['运动短裤', ['速干', '跑步']]], attrs: ['加厚', '修身', '宽松', '经典'], lines: ['吸汗透气，夏天穿着舒服。', '北方冬天也不怕冷。', '防水防风，登山滑雪都能穿。', '轻薄速干，跑步不闷热。'] },
};
const zhItems = [];
for (const [department, d] of Object.entries(ZH_DEPARTMENTS)) {
  let n = 0;
  for (const [p, [noun, tags]] of d.products.entries()) {
    for (let v = 0; v < 3; v++) {
      const brand = d.brands[v % d.brands.length];
      const attr = pick(d.attrs);
      const title = `${brand}${attr}${noun}`;
      const id = `zh-${Object.keys(ZH_DEPARTMENTS).indexOf(department)}-${String(++n).padStart(2, '0')}`;
      zhItems.push({
        id,
        title,
        description: `${d.lines[p % d.lines.length]}${pick(d.lines)}${brand}出品。`,
        category: department,
        tags: [...tags, attr],
        brand,
        price: Math.round(30 + rand() * 900) - 0.01,
        publishedAt: new Date(today - Math.floor(rand() ** 2 * 700) * 86_400_000).toISOString().slice(0, 10),
        imageUrl: svg(d.colour, noun, p),
      });
    }
  }
}

const zh = simulateLog(zhItems, 120);

mkdirSync(join(outDir, 'zh'), { recursive: true });
writeFileSync(join(outDir, 'zh', 'items.json'), JSON.stringify(zhItems, null, 1));
writeFileSync(join(outDir, 'zh', 'interactions.ndjson'), zh.log.join('\n') + '\n');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'items.json'), JSON.stringify(items, null, 1));
writeFileSync(join(outDir, 'interactions.ndjson'), log.join('\n') + '\n');
console.log(`demo catalogue: ${items.length} items in ${departments.length} departments, ${log.length} logged interactions → ${outDir}; Chinese: ${zhItems.length} items, ${zh.log.length} interactions → ${join(outDir, 'zh')}`);
