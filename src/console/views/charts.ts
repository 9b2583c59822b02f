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
  const labelW = 140;
  const barW = 300;
  const height = bars.length * rowH + 10;
  return html`<svg id="${id}" class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${labelW + barW + 120} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">
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
