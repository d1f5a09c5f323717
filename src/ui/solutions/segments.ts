// Cuts a completion into runs of text that carry the same set of behavior spans, so overlapping spans can be
// drawn as plain text nodes (model text is never rendered as HTML).
import type { Behavior, BehaviorSpan } from '../../behaviors/types.ts';

export interface Segment {
  text: string;
  start: number;
  spans: BehaviorSpan[];
}

export function segmentText(text: string, spans: BehaviorSpan[], show?: ReadonlySet<Behavior>): Segment[] {
  const visible = spans.filter((s) => (!show || show.has(s.behavior)) && s.end > s.start && s.start < text.length);
  const cuts = new Set([0, text.length]);
  for (const s of visible) {
    cuts.add(Math.max(0, s.start));
    cuts.add(Math.min(text.length, s.end));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    if (a === b) continue;
    segments.push({ text: text.slice(a, b), start: a, spans: visible.filter((s) => s.start <= a && s.end >= b) });
  }
  return segments;
}
