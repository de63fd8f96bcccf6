// Build the map page into src/centinela/web/static/ (served by the API at / and /static/...):
//   index.html  the page, with Spanish text filled in and cache-busting hashes on its assets
//   app.js      the page shell and sign-in (small, minified ES module); it imports the rest on demand:
//   NAME-HASH.js  chunks named by their content hash: mapkit-*.js is MapLibre + the map modules, loaded by
//               dynamic import once the login form shows; chunk-*.js is code both sides share
//   app.css     MapLibre's stylesheet + ours, minified
//   maplibre-gl-worker.js  MapLibre's tile worker (MapLibre 6 loads it as a module worker)
//   LICENSES.txt  licences of the bundled libraries (their BSD/ISC terms ask for this)
//   *.js.br, *.css.br  the larger of those, brotli-compressed in advance (served where the browser accepts br)
// Same inputs give byte-identical outputs, so a rebuild with no source change shows no diff.
// Usage: npm ci && npm run build        (add --check to fail when the committed output is stale)

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';

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

// app.js + chunks: ES modules split by esbuild. The entry holds the shell and sign-in; `import('./mapkit.js')`
// in main.js becomes a chunk with MapLibre, fetched while the person signs in (1.1 MB no longer stands between
// a phone on a weak link and the login form). Chunks sit beside app.js, so import.meta.url still finds the
// worker there; their names carry a content hash (the server caches them a year, see web/app.py).
const CHUNK = /^[a-z0-9_]+-[A-Z0-9]{8}\.js$/; // esbuild's "[name]-[hash]" (stale ones are removed below)
const js = await build({
  ...common,
  entryPoints: { app: join(src, 'main.js') },
  format: 'esm',
  splitting: true,
  target: ['es2022'],
  outdir: out,
  chunkNames: '[name]-[hash]',
  metafile: true,
  // main.js fetches MapLibre's worker beside the chunk, at the address map.js gives it (?v=MapLibre's version).
  define: { __MAPLIBRE_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(here, 'node_modules', 'maplibre-gl', 'package.json'), 'utf8')).version) },
});
for (const file of js.outputFiles) outputs.set(basename(file.path), Buffer.from(file.contents));
for (const name of outputs.keys()) {
  if (name !== 'app.js' && !CHUNK.test(name)) throw new Error(`unexpected build output ${name}`);
}
// What app.js imports statically: announced in index.html with modulepreload, so they come in parallel with
// app.js instead of one round trip later (400 ms each on a field link).
const entryMeta = Object.entries(js.metafile.outputs).find(([path]) => basename(path) === 'app.js')[1];
const preloads = entryMeta.imports.filter((i) => i.kind === 'import-statement').map((i) => basename(i.path)).sort();

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
let licences = 'Third-party software bundled in app.js, its chunks (*-HASH.js) and maplibre-gl-worker.js\n';
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
const entryTag = html.match(/ *<script type="module" src="\/static\/app\.js[^"]*"><\/script>\n/);
if (!entryTag) throw new Error('index.html: no <script type="module" src="/static/app.js?v=…"> to preload beside');
const indent = entryTag[0].match(/^ */)[0];
html = html.replace(entryTag[0], preloads.map((p) => `${indent}<link rel="modulepreload" href="/static/${p}">\n`).join('') + entryTag[0]);
outputs.set('index.html', Buffer.from(html));

function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// Installable app (issue #19: offline): the manifest and its icons (src/pwa/, icons drawn by make_icons.py),
// and the service worker src/sw.js (served at /sw.js by web/app.py) told the app shell — the page, every built
// file, the exact ?v= addresses the page asks for — and a version that changes with any of them.
for (const name of readdirSync(join(src, 'pwa')).sort()) outputs.set(name, readFileSync(join(src, 'pwa', name)));
const shell = ['/', '/manifest.webmanifest', ...new Set((html.match(/\/static\/[^"'\s<>]+/g) ?? []).filter((u) => !u.endsWith('.png')))];
// map.js asks for the worker with MapLibre's version in the query: keep that exact address.
shell.push(`/static/maplibre-gl-worker.js?v=${JSON.parse(readFileSync(join(maplibreDir, 'package.json'), 'utf8')).version}`);
for (const name of [...outputs.keys()].sort()) {
  const url = `/static/${name}`;
  const versioned = shell.some((u) => u.startsWith(`${url}?`)); // the page asks for app.js?v=…: keep that one only
  // .br/.gz: the server picks them itself for the plain name; icons: only for installing, never for the page
  const skip = /\.(br|gz|png)$/.test(name) || ['index.html', 'LICENSES.txt', 'manifest.webmanifest'].includes(name);
  if (!versioned && !skip) shell.push(url);
}
const swVersion = createHash('sha256').update(JSON.stringify([...outputs].map(([n, d]) => [n, hash(n)]))).digest('hex').slice(0, 12);
outputs.set('sw.js', Buffer.from(readFileSync(join(src, 'sw.js'), 'utf8')
  .replace("'__VERSION__'", `'${swVersion}'`).replace('/*__SHELL__*/[]', JSON.stringify([...new Set(shell)]))));

// NAME.br beside each large script and stylesheet, brotli at its highest level, for browsers that accept it
// (web/precompressed.py serves them): ~18 % under gzip, 80 kB less for MapLibre. Compressing takes seconds, so
// a .br already on disk that decompresses to the new contents is kept (brotli output is deterministic anyway).
for (const name of [...outputs.keys()].filter((n) => /\.(js|css)$/.test(n) && n !== 'sw.js').sort()) {
  const raw = outputs.get(name);
  if (raw.length < 10_000) continue;
  const file = join(out, `${name}.br`);
  const kept = existsSync(file) ? readFileSync(file) : null;
  let same = false;
  try { same = kept !== null && brotliDecompressSync(kept).equals(raw); } catch { /* a damaged file: redo it */ }
  outputs.set(`${name}.br`, same ? kept : brotliCompressSync(raw, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
  }));
}

// Chunks and .br files of earlier builds: nothing refers to them any more.
const leftover = existsSync(out)
  ? readdirSync(out).filter((n) => (CHUNK.test(n) || n.endsWith('.br')) && !outputs.has(n))
  : [];

if (check) {
  const stale = [...outputs].filter(([name, data]) => {
    const file = join(out, name);
    return !existsSync(file) || !readFileSync(file).equals(data);
  });
  stale.push(...leftover.map((n) => [n]));
  if (stale.length) {
    console.error(`stale build output in ${out}: ${stale.map(([n]) => n).join(', ')}; run: cd web/frontend && npm run build`);
    process.exit(1);
  }
  console.log(`build output in ${out} is up to date`);
} else {
  mkdirSync(out, { recursive: true });
  for (const name of leftover) unlinkSync(join(out, name));
  for (const [name, data] of outputs) writeFileSync(join(out, name), data);
  for (const name of outputs.keys()) {
    const kib = (statSync(join(out, name)).size / 1024).toFixed(1);
    console.log(`${name.padEnd(24)} ${kib.padStart(8)} KiB`);
  }
}
