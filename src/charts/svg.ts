// Draws a ChartSpec as a standalone SVG document, for the headless runner (no canvas in Node).
import { BEHAVIOR_COLORS, PALETTE, type BarChart, type ChartSpec, type LineChart } from './spec.ts';

const W = 720;
const H = 420;
const PAD = { left: 64, right: 180, top: 44, bottom: 56 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function colorOf(label: string, i: number): string {
  const key = label
    .replace(/^paper: /, '')
    .toLowerCase()
    .split(' ')[0];
  return BEHAVIOR_COLORS[key] ?? PALETTE[i % PALETTE.length];
}

function frame(
  title: string,
  yLabel: string,
  xLabel: string,
  body: string,
  legend: [string, string, boolean][],
  note?: string,
): string {
  const items = legend
    .map(([label, color, dashed], i) => {
      const y = PAD.top + 8 + i * 18;
      const dash = dashed ? ' stroke-dasharray="5 3"' : '';
      return `<line x1="${W - PAD.right + 16}" y1="${y}" x2="${W - PAD.right + 36}" y2="${y}" stroke="${color}" stroke-width="2.5"${dash}/><text x="${W - PAD.right + 42}" y="${y + 4}" font-size="11">${esc(label.slice(0, 26))}</text>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="26" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<text x="${PAD.left + PLOT_W / 2}" y="${H - 14}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${PAD.top + PLOT_H / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>`,
    body,
    items,
    note ? `<text x="${PAD.left}" y="${H - 2}" font-size="9" fill="#666">${esc(note)}</text>` : '',
    '</svg>',
  ].join('\n');
}

function yAxis(ticks: number[], y: (v: number) => number): string {
  return ticks
    .map(
      (t) =>
        `<line x1="${PAD.left}" x2="${PAD.left + PLOT_W}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/><text x="${PAD.left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t}</text>`,
    )
    .join('');
}

function lineSvg(c: LineChart): string {
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]));
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(1, ...xs));
  const yTicks = niceTicks(c.yMin ?? Math.min(0, ...ys), c.yMax ?? Math.max(1e-9, ...ys));
  const [x0, x1, y0, y1] = [xTicks[0], xTicks.at(-1)!, yTicks[0], yTicks.at(-1)!];
  const x = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * PLOT_W;
  const y = (v: number) => PAD.top + PLOT_H - ((v - y0) / (y1 - y0 || 1)) * PLOT_H;
  const lines = c.series
    .map((s, i) => {
      const pts = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
      const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
      return `<polyline fill="none" stroke="${colorOf(s.label, i)}" stroke-width="2"${dash} points="${pts}"/>`;
    })
    .join('');
  const xAxis = xTicks
    .map((t) => `<text x="${x(t)}" y="${PAD.top + PLOT_H + 16}" font-size="11" text-anchor="middle">${t}</text>`)
    .join('');
  const legend = c.series.map((s, i): [string, string, boolean] => [s.label, colorOf(s.label, i), !!s.dashed]);
  return frame(c.title, c.yLabel, c.xLabel, yAxis(yTicks, y) + xAxis + lines, legend, c.note);
}

function barSvg(c: BarChart): string {
  const yTicks = niceTicks(0, Math.max(1e-9, ...c.series.flatMap((s) => s.values)));
  const top = yTicks.at(-1)!;
  const y = (v: number) => PAD.top + PLOT_H - (v / top) * PLOT_H;
  const groupW = PLOT_W / c.categories.length;
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  const bars = c.series
    .flatMap((s, i) =>
      s.values.map((v, j) => {
        const bx = PAD.left + j * groupW + groupW * 0.1 + i * barW;
        return `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + PLOT_H - y(v)).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"/>`;
      }),
    )
    .join('');
  const labels = c.categories
    .map(
      (cat, j) =>
        `<text x="${PAD.left + (j + 0.5) * groupW}" y="${PAD.top + PLOT_H + 16}" font-size="11" text-anchor="middle">${esc(cat)}</text>`,
    )
    .join('');
  const legend = c.series.map((s, i): [string, string, boolean] => [s.label, PALETTE[i % PALETTE.length], false]);
  return frame(c.title, c.yLabel, '', yAxis(yTicks, y) + bars + labels, legend, c.note);
}

export function chartToSvg(chart: ChartSpec): string {
  return chart.kind === 'line' ? lineSvg(chart) : barSvg(chart);
}
