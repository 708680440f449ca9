// The bench's plot, written as plain SVG (no dependency): per case, the wall time and the ideal
// floor as bars stacked by phase; below, per phase, the time above the floor for each case.
import { writeFileSync } from 'node:fs';
import { PHASES } from './phases.mjs';

const PHASE_COLOURS = {
  open: '#8c564b',
  eid: '#e377c2',
  authenticate: '#1f77b4',
  prepare: '#ff7f0e',
  bppFetch: '#2ca02c',
  bppLoad: '#98df8a',
  install: '#d62728',
  notifications: '#9467bd',
  enable: '#bcbd22',
  exit: '#7f7f7f',
};
const CASE_COLOURS = ['#1f77b4', '#aec7e8', '#ff7f0e', '#ffbb78', '#2ca02c', '#98df8a', '#d62728', '#9467bd'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/**
 * @param {string} path where the SVG goes
 * @param {{ name: string, phases: Record<string, { wallMs: number, floorMs: number, overMs: number }>, wallMs: number, floorMs: number | null }[]} cases
 * @param {string} title
 */
export function writePhasePlot(path, cases, title) {
  const W = 1000;
  const left = 170;
  const right = 90;
  const barH = 14;
  const out = [];
  let y = 40;
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);

  // panel 1: stacked bars
  const maxMs = Math.max(...cases.map((c) => Math.max(c.wallMs, c.floorMs ?? 0)));
  const scale = (W - left - right) / maxMs;
  out.push(`<text x="10" y="${y + 4}" font-size="13" font-weight="bold">Wall (upper bar) and ideal floor (lower bar), stacked by phase</text>`);
  y += 16;
  for (const c of cases) {
    out.push(`<text x="${left - 8}" y="${y + barH + 4}" text-anchor="end" font-size="12">${esc(c.name)}</text>`);
    for (const [kind, total, dy] of [['wallMs', c.wallMs, 0], ['floorMs', c.floorMs, barH + 2]]) {
      if (total === null) continue;
      let x = left;
      for (const p of PHASES) {
        const ms = c.phases[p]?.[kind] ?? 0;
        if (ms <= 0) continue;
        const w = ms * scale;
        out.push(`<rect x="${x.toFixed(1)}" y="${y + dy}" width="${w.toFixed(1)}" height="${barH}" fill="${PHASE_COLOURS[p]}" fill-opacity="${kind === 'wallMs' ? 1 : 0.45}"><title>${esc(`${c.name} ${p}: ${kind === 'wallMs' ? 'wall' : 'floor'} ${fmt(ms)}`)}</title></rect>`);
        x += w;
      }
      out.push(`<text x="${(x + 4).toFixed(1)}" y="${y + dy + barH - 3}" font-size="11">${kind === 'wallMs' ? 'wall' : 'floor'} ${fmt(total)}</text>`);
    }
    y += 2 * barH + 12;
  }
  // legend
  let lx = left;
  for (const p of PHASES) {
    out.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${PHASE_COLOURS[p]}"/><text x="${lx + 16}" y="${y + 10}" font-size="11">${p}</text>`);
    lx += 22 + p.length * 6.5;
  }
  y += 34;

  // panel 2: time above the floor per phase
  out.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">Time above the floor per phase (wall - floor; negative: work overlapped)</text>`);
  y += 14;
  const overs = cases.flatMap((c) => PHASES.map((p) => c.phases[p]?.overMs ?? 0));
  const maxOver = Math.max(1, ...overs.map((v) => Math.abs(v)));
  const zero = left + (W - left - right) / 2;
  const s2 = (W - left - right) / 2 / maxOver;
  const h2 = 9;
  const top = y;
  for (const p of PHASES) {
    out.push(`<text x="${left - 8}" y="${y + (cases.length * (h2 + 1)) / 2 + 4}" text-anchor="end" font-size="12">${p}</text>`);
    cases.forEach((c, i) => {
      const v = c.phases[p]?.overMs ?? 0;
      const w = Math.abs(v) * s2;
      const x = v >= 0 ? zero : zero - w;
      out.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0.5, w).toFixed(1)}" height="${h2}" fill="${CASE_COLOURS[i % CASE_COLOURS.length]}"><title>${esc(`${c.name} ${p}: ${Math.round(v)} ms above the floor`)}</title></rect>`);
      if (Math.abs(v) >= maxOver * 0.15) out.push(`<text x="${(v >= 0 ? x + w + 3 : x - 3).toFixed(1)}" y="${y + h2 - 1}" font-size="9" text-anchor="${v >= 0 ? 'start' : 'end'}">${Math.round(v)}</text>`);
      y += h2 + 1;
    });
    y += 6;
  }
  out.push(`<line x1="${zero}" y1="${top - 4}" x2="${zero}" y2="${y}" stroke="#333" stroke-width="1"/>`);
  out.push(`<text x="${zero}" y="${y + 12}" text-anchor="middle" font-size="10">0 ms (scale: ±${Math.round(maxOver)} ms)</text>`);
  y += 24;
  lx = left;
  cases.forEach((c, i) => {
    out.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${CASE_COLOURS[i % CASE_COLOURS.length]}"/><text x="${lx + 16}" y="${y + 10}" font-size="11">${esc(c.name)}</text>`);
    lx += 26 + c.name.length * 6.5;
  });
  y += 24;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
  writeFileSync(path, svg);
}
