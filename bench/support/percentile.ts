/**
 * The nearest-rank percentile every bench prints (p50, p99): the smallest
 * sample with at least p% of the samples at or below it. NaN for no samples,
 * so an empty column shows as NaN rather than as a fast 0.
 */
export function pct(samples: readonly number[], p: number): number {
  const s = [...samples].sort((x, y) => x - y);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
