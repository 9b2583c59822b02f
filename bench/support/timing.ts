/**
 * The timing loop of the query benches: one run to warm the page cache and
 * the prepared statement, then `runs` timed runs; the samples go to pct()
 * (percentile.ts). The async form is for routes driven through inject().
 */
export function timeRuns(run: () => unknown, runs: number): number[] {
  run();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    t.push(performance.now() - t0);
  }
  return t;
}

export async function timeRunsAsync(run: () => Promise<unknown>, runs: number): Promise<number[]> {
  await run();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    t.push(performance.now() - t0);
  }
  return t;
}
