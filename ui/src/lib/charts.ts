// Geometry of the dashboard's small SVG charts (no chart library).

/** The smallest of 1, 2, 5 × 10^k that is ≥ n (at least 1). */
export function niceMax(n: number): number {
  if (!(n > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(n)));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/** Evenly spaced tick values from 0 to `max` (inclusive), at most `count`+1,
 * whole numbers only. */
export function ticks(max: number, count = 4): number[] {
  const step = Math.max(1, Math.ceil(max / count));
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Vertical bars for `values` in a `width` × `height` area, on the scale
 * 0–`max`; `gap` is the share of each slot left empty (0–1). */
export function bars(values: number[], width: number, height: number, max: number, gap = 0.3): Bar[] {
  if (values.length === 0) return [];
  const slot = width / values.length;
  const w = slot * (1 - gap);
  const top = max > 0 ? max : 1;
  return values.map((v, i) => {
    const h = (Math.max(0, v) / top) * height;
    return { x: i * slot + (slot - w) / 2, y: height - h, width: w, height: h };
  });
}

/** `2026-W09` → `S09`. */
export function weekLabel(week: string): string {
  const m = /W(\d{2})$/.exec(week);
  return m ? `S${m[1]}` : week;
}

/** Ageing bucket `0-7` → `0–7 j`, `>28` → `> 28 j`. */
export function bucketLabel(b: string): string {
  if (b.startsWith(">")) return `> ${b.slice(1)} j`;
  return `${b.replace("-", "–")} j`;
}
