/**
 * Recording windows: the days and hours when a call may be recorded or
 * listened to, which the law asks employees to be told (issue 8). Pure: the
 * instant and the time zone are passed in; the only outside knowledge is the
 * time-zone database behind Intl, which the process does not change.
 *
 * A window list absent means "no restriction". Several lists (the line's,
 * the agent's team's) combine by intersection: every one of them must allow
 * the instant, so a team's narrower hours are never widened by its line.
 */
import { WEEK_DAYS, type RecordingWindow, type WeekDay } from '../config/schema.js';

/** Minutes since local midnight, [from, to). */
export type Span = readonly [from: number, to: number];
export type WeeklySpans = Readonly<Record<WeekDay, readonly Span[]>>;

/** Absent = always; present = only inside one of them. */
export type WindowList = readonly RecordingWindow[] | undefined;

const DAY_MINUTES = 24 * 60;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local weekday and minute of the day of an instant in a zone (DST included). */
export function localTime(at: Date, timeZone: string): { day: WeekDay; minute: number } {
  let day: WeekDay = 'mon';
  let hour = 0;
  let minute = 0;
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === 'weekday') day = p.value.toLowerCase().slice(0, 3) as WeekDay;
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  return { day, minute: hour * 60 + minute };
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar day of `at` in `timeZone`, as YYYY-MM-DD (review-draw.ts periods are made of these). */
export function localDay(at: Date, timeZone: string): string {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    // en-CA writes dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  return f.format(at);
}

/** One list as spans per day, merged and sorted; absent = the whole of every day. */
export function weeklySpans(list: WindowList): WeeklySpans {
  const out = Object.fromEntries(WEEK_DAYS.map((d) => [d, [] as Span[]])) as Record<WeekDay, Span[]>;
  if (list === undefined) {
    for (const d of WEEK_DAYS) out[d] = [[0, DAY_MINUTES]];
    return out;
  }
  for (const w of list) for (const d of w.days) out[d].push([minutes(w.from), minutes(w.to)]);
  for (const d of WEEK_DAYS) out[d] = merge(out[d]);
  return out;
}

function merge(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s[0] <= last[1]) out[out.length - 1] = [last[0], Math.max(last[1], s[1])];
    else out.push(s);
  }
  return out;
}

function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const x of a) for (const y of b) {
    const from = Math.max(x[0], y[0]);
    const to = Math.min(x[1], y[1]);
    if (from < to) out.push([from, to]);
  }
  return merge(out);
}

/** The periods every list allows (the table `callvault windows` prints). */
export function combinedSpans(lists: readonly WindowList[]): WeeklySpans {
  let acc = weeklySpans(undefined) as Record<WeekDay, readonly Span[]>;
  for (const l of lists) {
    const w = weeklySpans(l);
    acc = Object.fromEntries(WEEK_DAYS.map((d) => [d, intersect(acc[d], w[d])])) as Record<WeekDay, Span[]>;
  }
  return acc;
}

/** Whether every list allows the instant. */
export function insideWindows(lists: readonly WindowList[], at: Date, timeZone: string): boolean {
  if (lists.every((l) => l === undefined)) return true;
  const { day, minute } = localTime(at, timeZone);
  return combinedSpans(lists)[day].some(([from, to]) => minute >= from && minute < to);
}

/** `HH:MM` of a minute of the day (24:00 for the end of the day). */
export function formatMinute(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
