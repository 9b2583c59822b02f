/**
 * The bundle's own styles, as constructable stylesheets: the console's CSP
 * (`style-src 'self'`) refuses `<style>` elements and style attributes, and
 * the bundle must not depend on the server's stylesheet for the elements it
 * makes. (wavesurfer.js's own shadow-root `<style>` is turned into an adopted
 * sheet at build time: scripts/build-console.mjs, plugin wavesurfer-csp.)
 */
const CSS = `
.cv-controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0; }
.cv-controls button, .cv-controls select { font: inherit; padding: .35rem .7rem; }
.cv-lanes { display: grid; grid-template-columns: 7.5rem 1fr; align-items: stretch; border: 1px solid #6b6b6b; border-radius: 4px; padding: .25rem; background: #fff; }
.cv-lane-labels { display: flex; flex-direction: column; }
.cv-lane-labels span { flex: 1; display: flex; align-items: center; font-weight: 600; color: #1a1a1a; padding-right: .5rem; }
.cv-wave { min-width: 0; }
.cv-wave > div::part(region-content) { white-space: nowrap; font-size: .8rem; background: rgba(255, 255, 255, .85); color: #1a1a1a; border-radius: 2px; }
.cv-wave > div::part(marker) { z-index: 6; }
.cv-legend { display: flex; gap: 1.5rem; flex-wrap: wrap; margin: .5rem 0; color: #1a1a1a; }
.cv-swatch { display: inline-block; width: 1rem; height: .8rem; vertical-align: middle; margin-right: .35rem; border: 1px solid #444; }
.cv-swatch-card { background: repeating-linear-gradient(45deg, #b3261e55, #b3261e55 4px, #ffffff 4px, #ffffff 8px); }
.cv-swatch-note { background: #0b5394; }
.cv-notes ol { padding-left: 1.25rem; }
.cv-notes li button { font: inherit; margin-right: .5rem; }
.cv-note-form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.cv-note-form input { flex: 1 1 18rem; font: inherit; padding: .3rem; }
.cv-shortcuts dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.cv-shortcuts dt { font-family: monospace; font-weight: 700; }
.cv-shortcuts dd { margin: 0; }
.cv-error { color: #8c1d18; font-weight: 600; }
.cv-ok { color: #1e5a1e; }
.cv-time { font-variant-numeric: tabular-nums; min-width: 9rem; }
`;

let installed = false;

/** Adds the bundle's stylesheet to the document once. */
export function installStyles(): void {
  if (installed) return;
  installed = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
