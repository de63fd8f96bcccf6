// The service worker (served at /sw.js, scope /): keeps the app shell so the page opens with no signal, and
// answers imagery tiles from the areas a ranger saved for offline use (offline.js fills those caches).
// API answers are never cached here: they are per user and may hold sensitive locations; the page keeps the
// saved areas' data in IndexedDB per user and deletes it at logout.
// The build (build.mjs) writes the shell's file list and a version (a hash of every built file) into this
// file, so a new build makes a new worker, which caches the new files and drops the old ones.

const VERSION = '4151c300473e';
const SHELL = ["/","/manifest.webmanifest","/static/app.css?v=f8c31b7a1cc7","/static/chunk-S43QFJMI.js","/static/app.js?v=ae8d66bf6256","/static/maplibre-gl-worker.js?v=6.17.0","/static/mapkit-MYMBSXMA.js"];
const SHELL_CACHE = `centinela-shell-${VERSION}`;
const SHELL_PREFIX = 'centinela-shell-';
const TILE_PREFIX = 'centinela-tiles:'; // offline.js: one cache per user and saved area
const NAVIGATION_WAIT_MS = 6000; // on a weak link, open the kept page rather than stare at a blank screen

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // One by one, so a file that fails (a deploy in progress) does not leave the whole shell out. Files named by
    // their content may come from the HTTP cache (the page just loaded them); the page itself is asked again.
    await Promise.all(SHELL.map(async (url) => {
      try {
        const res = await fetch(url, { cache: url === '/' ? 'no-cache' : 'default' });
        if (res.ok) await cache.put(url, res);
      } catch { /* fetched again when the page asks for it */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** The page: from the network when it answers in time (a new deploy shows at once), else the kept copy. */
async function page(request) {
  const cache = await caches.open(SHELL_CACHE);
  const network = fetch(request).then(async (res) => {
    if (res.ok) await cache.put('/', res.clone());
    return res;
  });
  const kept = await cache.match('/');
  if (!kept) return network;
  const timeout = new Promise((resolve) => { setTimeout(() => resolve(null), NAVIGATION_WAIT_MS); });
  try {
    return (await Promise.race([network, timeout])) ?? kept;
  } catch {
    return kept;
  }
}

/** Built files: their names carry a content hash (or they belong to this version's cache), so kept = current. */
async function asset(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  try {
    const res = await fetch(request);
    if (res.ok) (await caches.open(SHELL_CACHE)).put(request, res.clone());
    return res;
  } catch (err) {
    // Offline and asked with another ?v= (MapLibre's worker carries its version): the kept file is the one.
    const near = await caches.match(request, { ignoreSearch: true });
    if (near) return near;
    throw err;
  }
}

/** Imagery tiles: a tile's address names its dates, so a saved one is used first (fast on a weak link too). */
async function tile(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  try {
    return await fetch(request);
  } catch (err) {
    // No signal, and the background asks for another date range than the one saved: a saved composite tile of
    // the same place beats a blank map. Never for a single date's tile: before/after views need that very day.
    const path = new URL(request.url).pathname;
    if (path.startsWith('/tiles/composite/')) {
      for (const name of await caches.keys()) {
        if (!name.startsWith(TILE_PREFIX)) continue;
        const cache = await caches.open(name);
        const same = (await cache.keys()).find((r) => new URL(r.url).pathname === path);
        if (same) return cache.match(same);
      }
    }
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === '/') event.respondWith(page(request));
  else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') event.respondWith(asset(request));
  else if (url.pathname.startsWith('/tiles/')) event.respondWith(tile(request));
});
