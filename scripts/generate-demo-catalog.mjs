#!/usr/bin/env node
// The demo shop, written here: ~330 items in 11 departments and an aggregate log of simulated shoppers.
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

function svg(colour, text) {
  const initials = text.split(' ').filter((w) => /^[A-Za-z]/.test(w)).slice(0, 2).map((w) => w[0]).join('');
  const s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 90"><rect width="120" height="90" rx="8" fill="${colour}"/><text x="60" y="56" font-family="sans-serif" font-size="30" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
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
        imageUrl: svg(d.colour, title.replace(brand, '').trim()),
        ...(['Coffee & Tea', 'Running'].includes(department) && /Beans|Coffee|Tea|Gels|Socks/.test(noun) ? { repeatable: true } : {}),
      });
    }
  }
}

// Shoppers with one or two interests browse themed sessions: the co-occurrence and "next item" signals
// the build derives from this log are what a real shop's aggregate logs would give.
const byCategory = new Map();
for (const item of items) byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
const departments = [...byCategory.keys()];
const log = [];
let ts = today - 60 * 86_400_000;
for (let u = 0; u < 240; u++) {
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

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'items.json'), JSON.stringify(items, null, 1));
writeFileSync(join(outDir, 'interactions.ndjson'), log.join('\n') + '\n');
console.log(`demo catalogue: ${items.length} items in ${departments.length} departments, ${log.length} logged interactions → ${outDir}`);
