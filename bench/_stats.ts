// What the benches compute from their samples, written once: a quantile of the samples (the median is the 0.5
// quantile, the upper middle for an even count), and rounding for the result files.

/** The `q` quantile (0 ≤ q ≤ 1) of `xs` by the nearest-rank rule: the sorted sample at ⌊q·n⌋, the last one for q = 1. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** The median: the sorted sample at ⌊n/2⌋ (NaN for no samples). */
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** `x` rounded to 2 decimals, as the result files record figures (one argument: safe as a `map` callback). */
export const round = (x: number): number => Math.round(x * 100) / 100;
