/**
 * A figure against its KPI target (set per team, for example "relationship
 * >= 80%"), with the number of evaluations behind it: below a minimum the
 * verdict is "too few", so nobody reads a score made of two calls as a
 * trend. Pure; the dashboards aggregate in SQL and ask this for the verdict.
 */

export interface Figure {
  /** Mean percent over the evaluations, null when there are none. */
  readonly percent: number | null;
  readonly evaluations: number;
}

export interface KpiTarget {
  /** The percent the figure must reach. */
  readonly atLeast: number;
  /** Fewer evaluations than this: no verdict. */
  readonly minEvaluations: number;
}

export type KpiStatus =
  | { readonly status: 'met' | 'missed'; readonly gap: number }
  | { readonly status: 'too-few'; readonly evaluations: number; readonly needed: number }
  | { readonly status: 'no-data' };

export function kpiStatus(figure: Figure, target: KpiTarget): KpiStatus {
  if (figure.percent === null || figure.evaluations === 0) return { status: 'no-data' };
  if (figure.evaluations < target.minEvaluations) return { status: 'too-few', evaluations: figure.evaluations, needed: target.minEvaluations };
  const gap = figure.percent - target.atLeast;
  // Same tolerance as the pass mark (scoring.ts): 80 computed as 79.999... meets 80.
  return { status: gap + 1e-9 >= 0 ? 'met' : 'missed', gap };
}
