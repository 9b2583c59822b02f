/**
 * Server-side SVG charts (no script, no inline style: attributes only, which
 * CSP style-src does not govern). Horizontal bars with their numbers written
 * out, so the chart reads without colour and a screen reader gets the table
 * beside it.
 */
import { html, type Html } from '../html.js';

export interface Bar { label: string; value: number; max: number; text: string; marker?: number }

export function barChart(id: string, title: string, bars: readonly Bar[]): Html {
  const rowH = 26;
  // Wide enough for the longest label at 12 px (about 6.5 px a character): criterion names are long.
  const labelW = labelWidth(bars.map((b) => b.label));
  const barW = 300;
  const height = bars.length * rowH + 10;
  return html`<svg id="${id}" class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${labelW + barW + 120} ${height}" width="${labelW + barW + 120}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${title}</title>
${bars.map((b, i) => {
    const y = 5 + i * rowH;
    const w = b.max > 0 ? Math.max(0, Math.min(1, b.value / b.max)) * barW : 0;
    const marker = b.marker === undefined || b.max <= 0 ? null : labelW + Math.min(1, b.marker / b.max) * barW;
    return html`<text x="0" y="${y + 16}">${b.label}</text>
<rect x="${labelW}" y="${y + 3}" width="${barW}" height="16" fill="#e6e6e6"/>
<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="#12324d"/>
${marker !== null ? html`<line x1="${marker.toFixed(1)}" x2="${marker.toFixed(1)}" y1="${y}" y2="${y + 22}" stroke="#c05600" stroke-width="3"/>` : null}
<text x="${labelW + barW + 8}" y="${y + 16}">${b.text}</text>`;
  })}
</svg>`;
}

/** Room for the longest of `labels` at the charts' 12 px text, between 80 and 340 px. */
function labelWidth(labels: readonly string[]): number {
  return Math.round(Math.min(340, Math.max(80, 12 + 6.5 * Math.max(0, ...labels.map((l) => l.length)))));
}

/** A column heading broken into lines of at most `max` characters (on spaces), at most three lines. */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.at(-1);
    if (last !== undefined && (last + ' ' + word).length <= max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length <= 3 ? lines : [...lines.slice(0, 2), `${lines.slice(2).join(' ').slice(0, max - 1)}…`];
}

export interface HeatCell {
  /** In [0, 100]; null: no figure (the cell stays blank, with its text). */
  value: number | null;
  /** Written in the cell: the figure and the count behind it. */
  text: string;
  /** Drawn with a thick outline: a missed target. */
  flagged?: boolean;
}

/**
 * A grid of figures (rows by columns), each cell shaded by its value and
 * with its number written out, so it reads without colour; a flagged cell
 * gets an outline. Used for criterion-by-team and agent-by-week.
 */
export function heatMap(id: string, title: string, rows: readonly string[], cols: readonly string[], cell: (row: number, col: number) => HeatCell): Html {
  const labelW = labelWidth(rows);
  const cellW = 110;
  const cellH = 30;
  // Column headings (criterion names) wrap onto up to three lines instead of running into each other.
  const heads = cols.map((c) => wrap(c, 16));
  const headH = 8 + 15 * Math.max(1, ...heads.map((h) => h.length));
  const width = labelW + cols.length * cellW + 4;
  const height = headH + rows.length * cellH + 4;
  // Light (low) to dark blue (high); the text turns white where the fill is dark.
  const shade = (v: number) => 92 - Math.max(0, Math.min(100, v)) * 0.55;
  return html`<svg id="${id}" class="chart heatmap" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${title}</title>
${heads.map((lines, j) => html`<text x="${labelW + j * cellW + cellW / 2}" y="${headH - 8 - 15 * (lines.length - 1)}" text-anchor="middle">${lines.map((l, k) => html`<tspan x="${labelW + j * cellW + cellW / 2}" dy="${k === 0 ? 0 : 15}">${l}</tspan>`)}</text>`)}
${rows.map((r, i) => {
    const y = headH + i * cellH;
    return html`<text x="0" y="${y + 20}">${r}</text>
${cols.map((_, j) => {
      const c = cell(i, j);
      const x = labelW + j * cellW;
      const l = c.value === null ? 100 : shade(c.value);
      return html`<rect x="${x + 1}" y="${y + 1}" width="${cellW - 2}" height="${cellH - 2}" fill="${c.value === null ? '#ffffff' : `hsl(207, 55%, ${l.toFixed(0)}%)`}" stroke="${c.flagged === true ? '#c05600' : '#cccccc'}" stroke-width="${c.flagged === true ? 3 : 1}"/>
<text x="${x + cellW / 2}" y="${y + 20}" text-anchor="middle" fill="${l < 55 ? '#ffffff' : '#000000'}">${c.text}</text>`;
    })}`;
  })}
</svg>`;
}
