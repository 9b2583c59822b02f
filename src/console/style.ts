/**
 * The console's one stylesheet, served as /assets/console-<hash>.css by the
 * console itself (style-src 'self': no inline style anywhere). Contrast: body
 * text #1a1a1a on white (17:1), links #0b4f8a (8:1), focus outlines visible.
 */
import { createHash } from 'node:crypto';

export const STYLESHEET = `
:root { font-family: system-ui, sans-serif; color: #1a1a1a; background: #fff; line-height: 1.45; }
body { margin: 0; }
header { background: #12324d; color: #fff; padding: .5rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header a, header button { color: #fff; }
header nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; flex-wrap: wrap; }
header form { display: inline; margin: 0; }
form.inline { display: inline; margin: 0 0 0 .5rem; }
header button { background: none; border: 1px solid #fff; border-radius: 3px; padding: .15rem .5rem; cursor: pointer; font: inherit; }
main { padding: 1rem; max-width: 80rem; }
a { color: #0b4f8a; }
:focus-visible { outline: 3px solid #c05600; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #c8c8c8; vertical-align: top; }
label { display: block; margin-top: .5rem; font-weight: 600; }
input, select, button { font: inherit; }
fieldset { border: 1px solid #c8c8c8; margin: 0 0 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
.message { padding: .5rem; border-left: 4px solid #b00020; background: #fdecee; }
.ok { border-left-color: #1b5e20; background: #e8f5e9; }
.chart { max-width: 100%; height: auto; }
.chart text { font-size: 12px; }
.skip { position: absolute; left: -10000px; }
.skip:focus { position: static; }
`;

export const STYLESHEET_FILE = `console-${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 8)}.css`;
