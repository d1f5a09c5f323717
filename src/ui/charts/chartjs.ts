// ChartSpec -> chart.js configuration. Only the pieces Primer draws are registered, to keep the bundle small.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { BEHAVIOR_COLORS, PALETTE, type ChartSpec } from '../../charts/spec.ts';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  CategoryScale,
  Legend,
  Title,
  Tooltip,
);

function color(label: string, i: number): string {
  const key = label
    .replace(/^paper: /, '')
    .toLowerCase()
    .split(' ')[0];
  return BEHAVIOR_COLORS[key] ?? PALETTE[i % PALETTE.length];
}

export function chartConfig(spec: ChartSpec): ChartConfiguration {
  const title = { display: true, text: spec.title, font: { size: 14 } };
  if (spec.kind === 'bar') {
    return {
      type: 'bar',
      // Copies: Chart.js instruments the arrays it is given, which Svelte's state proxies refuse.
      data: {
        labels: [...spec.categories],
        datasets: spec.series.map((s, i) => ({
          label: s.label,
          data: [...s.values],
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: {
        animation: false,
        plugins: { title },
        scales: { y: { beginAtZero: true, title: { display: true, text: spec.yLabel } } },
      },
    };
  }
  return {
    type: 'line',
    data: {
      datasets: spec.series.map((s, i) => ({
        label: s.label,
        data: s.points.map(([x, y]) => ({ x, y })),
        borderColor: color(s.label, i),
        backgroundColor: color(s.label, i),
        borderDash: s.dashed ? [6, 4] : [],
        borderWidth: s.dashed ? 1.5 : 2.5,
        pointRadius: s.points.length > 40 ? 0 : 2,
      })),
    },
    options: {
      animation: false,
      parsing: false,
      plugins: { title },
      scales: {
        x: { type: 'linear', title: { display: true, text: spec.xLabel } },
        y: { min: spec.yMin, max: spec.yMax, title: { display: true, text: spec.yLabel } },
      },
    },
  };
}

export { Chart };
