// Build the map page into src/centinela/web/static/ (served by the API at / and /static/...):
//   index.html  the page, with Spanish text filled in and cache-busting hashes on its two assets
//   app.js      our modules + MapLibre, one minified ES module
//   app.css     MapLibre's stylesheet + ours, minified
//   maplibre-gl-worker.js  MapLibre's tile worker (MapLibre 6 loads it as a module worker)
//   LICENSES.txt  licences of the bundled libraries (their BSD/ISC terms ask for this)
// Same inputs give byte-identical outputs, so a rebuild with no source change shows no diff.
// Usage: npm ci && npm run build        (add --check to fail when the committed output is stale)

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const out = resolve(here, '../../src/centinela/web/static');
const check = process.argv.includes('--check');
const outputs = new Map(); // file name → contents (Buffer)

const common = {
  bundle: true,
  minify: true,
  write: false,
  legalComments: 'none', // licences go to LICENSES.txt instead of repeating them in every file
  charset: 'utf8',
  logLevel: 'warning',
};

// app.js: one ES module. MapLibre 6 ships only as ESM; esbuild keeps import.meta.url, which the map uses to
// find the worker beside the bundle.
const js = await build({
  ...common,
  entryPoints: [join(src, 'main.js')],
  format: 'esm',
  target: ['es2022'],
  outfile: join(out, 'app.js'),
});
outputs.set('app.js', Buffer.from(js.outputFiles[0].contents));

const css = await build({
  ...common,
  entryPoints: [join(src, 'app.css')],
  outfile: join(out, 'app.css'),
  loader: { '.svg': 'dataurl', '.png': 'dataurl' },
});
outputs.set('app.css', Buffer.from(css.outputFiles[0].contents));

// The worker is already minified by MapLibre; drop its source-map comment (the map is not shipped).
const maplibreDir = join(here, 'node_modules', 'maplibre-gl');
const worker = readFileSync(join(maplibreDir, 'dist', 'maplibre-gl-worker.mjs'), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
outputs.set('maplibre-gl-worker.js', Buffer.from(worker));

// Licences of every package that ends up in the bundle (MapLibre and its runtime dependencies).
const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const bundled = Object.entries(lock.packages)
  .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev)
  .map(([path]) => path)
  .sort();
let licences = 'Third-party software bundled in app.js and maplibre-gl-worker.js\n';
for (const path of bundled) {
  const dir = join(here, path);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = ['LICENSE', 'LICENSE.txt', 'LICENSE.md', 'license', 'LICENCE'].map((f) => join(dir, f)).find((f) => existsSync(f));
  licences += `\n${'='.repeat(78)}\n${pkg.name} ${pkg.version} (${pkg.license ?? 'see text'})\n${'='.repeat(78)}\n`;
  licences += file ? readFileSync(file, 'utf8').trim() + '\n' : `Licence: ${pkg.license}\n`;
}
outputs.set('LICENSES.txt', Buffer.from(licences));

// index.html: fill the Spanish text (readable before the script runs, and by crawlers/screen readers
// that start early), then point at the assets with a content hash so browsers never mix old and new.
const { MESSAGES } = await import('./src/i18n.js');
// A key missing in one language would show its raw name to someone: refuse to build.
for (const [a, b] of [['es', 'en'], ['en', 'es']]) {
  const missing = Object.keys(MESSAGES[a]).filter((k) => !(k in MESSAGES[b]));
  if (missing.length) throw new Error(`i18n: keys in ${a} but not in ${b}: ${missing.join(', ')}`);
}
const hash = (name) => createHash('sha256').update(outputs.get(name)).digest('hex').slice(0, 12);
let html = readFileSync(join(src, 'index.html'), 'utf8');
html = html.replace(/(<(\w+)\b[^>]*\bdata-i18n="([^"]+)"[^>]*>)(<\/\2>)/g, (m, open, tag, key, close) => {
  if (!(key in MESSAGES.es)) throw new Error(`index.html: unknown i18n key ${key}`);
  return `${open}${escapeHtml(MESSAGES.es[key])}${close}`;
});
html = html.replace(/(\bdata-i18n-aria-label="([^"]+)")/g, (m, attr, key) => {
  if (!(key in MESSAGES.es)) throw new Error(`index.html: unknown i18n key ${key}`);
  return `${attr} aria-label="${escapeHtml(MESSAGES.es[key])}"`;
});
html = html.replace('__APP_JS_HASH__', hash('app.js')).replace('__APP_CSS_HASH__', hash('app.css'));
outputs.set('index.html', Buffer.from(html));

function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

if (check) {
  const stale = [...outputs].filter(([name, data]) => {
    const file = join(out, name);
    return !existsSync(file) || !readFileSync(file).equals(data);
  });
  if (stale.length) {
    console.error(`stale build output in ${out}: ${stale.map(([n]) => n).join(', ')}; run: cd web/frontend && npm run build`);
    process.exit(1);
  }
  console.log(`build output in ${out} is up to date`);
} else {
  mkdirSync(out, { recursive: true });
  for (const [name, data] of outputs) writeFileSync(join(out, name), data);
  for (const name of outputs.keys()) {
    const kib = (statSync(join(out, name)).size / 1024).toFixed(1);
    console.log(`${name.padEnd(24)} ${kib.padStart(8)} KiB`);
  }
}
