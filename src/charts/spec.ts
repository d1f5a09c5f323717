// A chart as data: the notebook builds these from runs, the browser draws them with chart.js, and the
// headless runner writes them as SVG. Nothing here knows about either renderer.

export interface LineSeries {
  label: string;
  points: [number, number][];
  /** Reference curves (the paper's) are drawn dashed. */
  dashed?: boolean;
}

export interface LineChart {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  yMin?: number;
  yMax?: number;
  note?: string;
}

export interface BarChart {
  kind: 'bar';
  title: string;
  yLabel: string;
  categories: string[];
  series: { label: string; values: number[] }[];
  note?: string;
}

export type ChartSpec = LineChart | BarChart;

/** Colours in the order series take them; the four behaviors keep their own. */
export const PALETTE = ['#2f5bd3', '#d0542f', '#2d9a5a', '#8a45c9', '#b8860b', '#2a9d9d', '#c2417a', '#555f6d'];
export const BEHAVIOR_COLORS: Record<string, string> = {
  verification: '#2f7bd3',
  backtracking: '#d0542f',
  subgoal: '#2d9a5a',
  backward: '#8a45c9',
};
