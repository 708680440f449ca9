#!/usr/bin/env node
// A V8 CPU profile (`node --cpu-prof`, a .cpuprofile JSON) as a flame graph (SVG) and a summary of
// where the CPU time went: self time per area (start-up, our code by layer, each npm package,
// Node's internals, GC, WebAssembly) and the heaviest functions.
//   node scripts/bench/flame.mjs <file.cpuprofile> [--svg <out.svg>] [--top <n>] [--tree <depth>]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where a call frame's code lives, for the summary. */
export function areaOf(frame) {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)') return 'v8 (program: parse, compile, runtime)';
    if (functionName === '(idle)') return 'idle';
    return functionName.startsWith('wasm-') || /^\$?\w+$/.test(functionName) ? 'native / wasm' : 'native';
  }
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('wasm://')) return 'wasm';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const ours = /\/dist\/(src|drivers)\/([^/]+)/.exec(url);
  if (ours) return `lpa-agent ${ours[1]}/${ours[2]}`;
  if (/lpa-agent\.cjs$/.test(url)) return 'lpa-agent (single file)';
  return 'other';
}

/** The call tree down to `depth`, frames of at least `minMs` of CPU: one line each, indented. */
export function treeLines(profile, depth = 4, minMs = 5) {
  const { root, byId } = weigh(profile);
  const lines = [];
  const walk = (n, d) => {
    if (!n || d > depth || areaOf(n.callFrame) === 'idle' || n.total / 1000 < minMs) return;
    const f = n.callFrame;
    const where = f.url ? ` ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
    lines.push(`${'  '.repeat(d)}${(n.total / 1000).toFixed(1)} ms ${f.functionName || '(anonymous)'}${where}`);
    for (const c of n.children ?? []) walk(byId.get(c), d + 1);
  };
  walk(root, 0);
  return lines;
}

/** Self and total time (µs) per profile node; the samples' time deltas are the weights. */
export function weigh(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, { ...n, self: 0, total: 0 }]));
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]);
    // a sample's time is the delta to the next sample
    if (n) n.self += Math.max(0, timeDeltas[i + 1] ?? 0);
  }
  const root = profile.nodes[0] && byId.get(profile.nodes[0].id);
  const sum = (n, depth) => {
    if (depth > 2000) return n.self;
    n.total = n.self + (n.children ?? []).reduce((t, c) => t + sum(byId.get(c), depth + 1), 0);
    return n.total;
  };
  if (root) sum(root, 0);
  return { root, byId };
}

/** Self time per area and the heaviest functions, in ms; idle time left out. */
export function summarize(profile, top = 15) {
  const { byId } = weigh(profile);
  const areas = new Map();
  const fns = new Map();
  let busy = 0;
  for (const n of byId.values()) {
    const area = areaOf(n.callFrame);
    if (area === 'idle' || n.self === 0) continue;
    busy += n.self;
    areas.set(area, (areas.get(area) ?? 0) + n.self);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + n.self);
  }
  const ms = (us) => Math.round(us / 100) / 10;
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    busyMs: ms(busy),
    areas: Object.fromEntries(sorted(areas).map(([k, v]) => [k, ms(v)])),
    functions: sorted(fns).slice(0, top).map(([k, v]) => ({ fn: k, selfMs: ms(v) })),
  };
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLOURS = { 'node internals': '#8fb3d9', gc: '#c9c9c9', wasm: '#d9a3e0', 'native / wasm': '#d9a3e0', native: '#bbbbbb', other: '#dddddd' };
function colour(area) {
  if (COLOURS[area]) return COLOURS[area];
  if (area.startsWith('npm')) return '#f2c46d';
  if (area.startsWith('lpa-agent')) return '#8fd18f';
  return '#e8a07a';
}

/** The flame graph: root at the bottom, each frame as wide as its total time; idle left out. */
export function flameSvg(profile, title = 'CPU profile') {
  const { root, byId } = weigh(profile);
  const W = 1200;
  const ROW = 16;
  const rects = [];
  let maxDepth = 0;
  const busyOf = (n) => (areaOf(n.callFrame) === 'idle' ? 0 : n.total);
  const rootTotal = root ? (root.children ?? []).reduce((t, c) => t + busyOf(byId.get(c)), root.self) : 0;
  if (!root || rootTotal === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="10" y="25">no samples</text></svg>\n`;
  const scale = W / rootTotal;
  const place = (n, x, depth) => {
    const w = busyOf(n) * scale;
    if (w < 1 || depth > 200) return;
    maxDepth = Math.max(maxDepth, depth);
    rects.push({ n, x, w, depth });
    let cx = x;
    for (const c of n.children ?? []) {
      const child = byId.get(c);
      place(child, cx, depth + 1);
      cx += busyOf(child) * scale;
    }
  };
  place(root, 0, 0);
  const H = (maxDepth + 1) * ROW + 40;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="monospace" font-size="11">`];
  out.push(`<text x="4" y="14">${esc(title)} (${Math.round(rootTotal / 1000)} ms on CPU; width = time, bottom = callers)</text>`);
  for (const { n, x, w, depth } of rects) {
    const y = H - (depth + 1) * ROW;
    const f = n.callFrame;
    const name = n === root ? 'all' : f.functionName || '(anonymous)';
    const where = f.url ? ` ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const label = `${name}${where} (${(n.total / 1000).toFixed(1)} ms)`;
    out.push(`<g><title>${esc(label)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${colour(areaOf(f))}"/>`);
    const chars = Math.floor((w - 4) / 6.6);
    if (chars >= 3) out.push(`<text x="${(x + 2).toFixed(1)}" y="${y + 11}">${esc(name.length > chars ? `${name.slice(0, chars - 1)}~` : name)}</text>`);
    out.push('</g>');
  }
  out.push('</svg>\n');
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !['--svg', '--top', '--tree'].includes(args[i - 1]));
  if (!file) {
    process.stderr.write('usage: node scripts/bench/flame.mjs <file.cpuprofile> [--svg <out.svg>] [--top <n>] [--tree <depth>]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const svgAt = args.indexOf('--svg');
  const topAt = args.indexOf('--top');
  const treeAt = args.indexOf('--tree');
  if (treeAt >= 0) process.stdout.write(`${treeLines(profile, Number(args[treeAt + 1] ?? 4)).join('\n')}\n`);
  if (svgAt >= 0) writeFileSync(args[svgAt + 1], flameSvg(profile, `lpa-agent: ${file.split('/').pop()}`));
  process.stdout.write(`${JSON.stringify(summarize(profile, topAt >= 0 ? Number(args[topAt + 1]) : 15), null, 1)}\n`);
}
