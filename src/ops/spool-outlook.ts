/**
 * Where the spool is heading, from a few minutes of samples: how much audio
 * waits, whether it grows, when it will be drained, and when the disk fills
 * at the current rate. Pure (no I/O, no clock): the archiver process takes
 * the samples (src/archive/spool-sampler.ts), the daemon writes the result
 * into its status file, `callvault status` and /metrics show it.
 *
 * Rates are least-squares slopes over the window, not first-to-last
 * differences: a burst of hang-ups at one sample must not read as a trend.
 */

export interface SpoolSample {
  atMs: number;
  /** WAVs waiting in the spool. */
  files: number;
  /** Their audio, from each WAV's header and size. */
  audioSeconds: number;
  /** Audio archived since the archiver process started (a counter: only grows). */
  archivedAudioSeconds: number;
  /** Free bytes for unprivileged writers on the fuller of the spool's and the storage's file systems. */
  freeBytes: number;
}

export interface OutlookOptions {
  /** Samples older than this before the newest are ignored. Default 15 min. */
  windowMs?: number;
  /** Fewer seconds of history than this give no rates yet. Default 60 s. */
  minSpanMs?: number;
  /** Warn when the disk fills within this many hours at the current rate. Default 24. */
  warnDiskHours?: number;
  /** Warn when the backlog would take longer than this to drain with no new calls. Default 12 h. */
  warnDrainHours?: number;
}

/** When the backlog will be gone. `growing`/`steady` give the off-peak figure: with no new calls, at the current archive rate. */
export type Drain =
  | { kind: 'empty' }
  | { kind: 'measuring' }
  | { kind: 'draining'; atMs: number; hours: number }
  | { kind: 'growing' | 'steady'; ifNoNewCallsHours: number | null };

export type DiskOutlook =
  | { kind: 'measuring' }
  | { kind: 'not-filling' }
  | { kind: 'filling'; bytesPerHour: number; hoursLeft: number; fullAtMs: number };

export interface SpoolOutlook {
  files: number;
  audioHours: number;
  /** Audio hours added to the backlog per hour (negative: shrinking); null while measuring. */
  growthAudioHoursPerHour: number | null;
  /** Audio hours archived per hour of wall time; null while measuring. */
  archiveAudioHoursPerHour: number | null;
  drain: Drain;
  disk: DiskOutlook;
  freeBytes: number;
  /** What an operator must hear about before it bites: the disk filling, a backlog that will not drain in time. */
  warnings: string[];
}

const HOUR_MS = 3_600_000;
/** Below this many audio hours per hour a slope is noise (one short call in a quarter of an hour). */
const FLAT = 0.01;

/** Least-squares slope of y over x (per ms); null with fewer than two distinct x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function spoolOutlook(samples: readonly SpoolSample[], options: OutlookOptions = {}): SpoolOutlook {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const minSpanMs = options.minSpanMs ?? 60_000;
  const warnDiskHours = options.warnDiskHours ?? 24;
  const warnDrainHours = options.warnDrainHours ?? 12;
  if (samples.length === 0) throw new RangeError('spoolOutlook needs at least one sample');
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const last = sorted[sorted.length - 1]!;
  const inWindow = sorted.filter((s) => s.atMs >= last.atMs - windowMs);
  const span = last.atMs - inWindow[0]!.atMs;
  const audioHours = last.audioSeconds / 3600;
  const measured = span >= minSpanMs;
  // Audio seconds per ms = audio hours per hour / 3600 * 1000: scale once here.
  const perHour = (k: (s: SpoolSample) => number) => {
    const m = measured ? slope(inWindow.map((s) => [s.atMs, k(s)] as const)) : null;
    return m === null ? null : m * HOUR_MS;
  };
  const growthSecPerHour = perHour((s) => s.audioSeconds);
  const archivedSecPerHour = perHour((s) => s.archivedAudioSeconds);
  const freePerHour = perHour((s) => s.freeBytes);
  const growth = growthSecPerHour === null ? null : growthSecPerHour / 3600;
  const archiveRate = archivedSecPerHour === null ? null : Math.max(0, archivedSecPerHour / 3600);

  let drain: Drain;
  if (last.files === 0) drain = { kind: 'empty' };
  else if (growth === null) drain = { kind: 'measuring' };
  else if (growth < -FLAT) {
    const hours = audioHours / -growth;
    drain = { kind: 'draining', hours: round(hours), atMs: Math.round(last.atMs + hours * HOUR_MS) };
  } else {
    drain = { kind: growth > FLAT ? 'growing' : 'steady', ifNoNewCallsHours: archiveRate !== null && archiveRate > 0 ? round(audioHours / archiveRate) : null };
  }

  let disk: DiskOutlook;
  if (freePerHour === null) disk = { kind: 'measuring' };
  else if (freePerHour >= 0) disk = { kind: 'not-filling' };
  else {
    const bytesPerHour = -freePerHour;
    const hoursLeft = last.freeBytes / bytesPerHour;
    disk = { kind: 'filling', bytesPerHour: Math.round(bytesPerHour), hoursLeft: round(hoursLeft), fullAtMs: Math.round(last.atMs + hoursLeft * HOUR_MS) };
  }

  const warnings: string[] = [];
  if (disk.kind === 'filling' && disk.hoursLeft < warnDiskHours) {
    warnings.push(`disk full in ${disk.hoursLeft.toFixed(1)} h at the current rate (${(disk.bytesPerHour / 1e6).toFixed(0)} MB/h); free space or add storage before then`);
  }
  if (drain.kind === 'growing') {
    const off = drain.ifNoNewCallsHours;
    if (off === null) warnings.push(`spool backlog growing (${growth!.toFixed(2)} audio h/h) and nothing is being archived`);
    else if (off > warnDrainHours) warnings.push(`spool backlog growing (${growth!.toFixed(2)} audio h/h); it would take ${off.toFixed(1)} h to drain with no new calls`);
  }
  return {
    files: last.files, audioHours: round(audioHours), growthAudioHoursPerHour: growth === null ? null : round(growth),
    archiveAudioHoursPerHour: archiveRate === null ? null : round(archiveRate), drain, disk, freeBytes: last.freeBytes, warnings,
  };
}
