/** The server-side SVG charts keep long labels readable: heat-map headings wrap, bar labels get the room they need. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChart, heatMap } from '../../../src/console/views/charts.js';

test('heat map: a long column heading wraps onto lines of at most 16 characters (three at most), a short one stays on one', () => {
  const svg = heatMap('h', 'title', ['support'], ['Quality of the relationship with the customer', 'Total'], () => ({ value: 50, text: '50%' })).text;
  const heads = [...svg.matchAll(/<text [^>]*text-anchor="middle">((?:<tspan[^>]*>[^<]*<\/tspan>)+)<\/text>/g)].map((m) => [...m[1]!.matchAll(/>([^<]*)<\/tspan>/g)].map((x) => x[1]));
  assert.deepEqual(heads, [['Quality of the', 'relationship', 'with the custom…'], ['Total']]);
  for (const line of heads.flat()) assert.ok(line!.length <= 16, line);
});

test('bar chart: the label column is as wide as the longest label needs (up to 340 px), so "Accuracy of the information given" is not cut', () => {
  const short = barChart('b', 't', [{ label: 'x', value: 1, max: 2, text: '50%' }]).text;
  const long = barChart('b', 't', [{ label: 'Accuracy of the information given', value: 1, max: 2, text: '50%' }]).text;
  const barX = (svg: string) => Number(/<rect x="(\d+)"/.exec(svg)![1]);
  assert.equal(barX(short), 80);
  assert.ok(barX(long) >= 12 + 6.5 * 'Accuracy of the information given'.length - 1, `bars start at ${barX(long)}`);
});
