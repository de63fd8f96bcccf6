// Offline areas: a ranger saves an area (the map's view, a monitored area, a reserve or a territory) before
// going where there is no signal; its alerts, their details, its zones and imagery tiles stay on the phone and
// the map, the list and the alert panel keep working from them, under a banner that says how old they are.
//
// Where things are kept, per user (the user name is part of every key):
//   IndexedDB "centinela-offline": store "areas" ([user, id] → the area, its alerts, zones, config, tile date),
//                                  store "details" ([user, area, alert id] → the alert as /api/alerts/{id} gave it)
//   Cache Storage "centinela-tiles:<user>:<area>": the imagery tiles, answered by the service worker (sw.js)
//   localStorage "centinela.offline.user": who signed in last ({user, role}: never a password or token), so a
//                                  reload with no signal opens that person's saved areas, read-only
// Logging out deletes all of it for that user: a shared phone must not keep sensitive locations.

import * as API from './api.js';
import { ApiError } from './api.js';
import { $, clear, h } from './dom.js';
import { t, label, formatNumber, onLangChange } from './i18n.js';

const DB_NAME = 'centinela-offline';
const USER_KEY = 'centinela.offline.user';
const LOGOUT_KEY = 'centinela.offline.logout'; // a logout made with no signal: end the server session later
const TILE_CACHE = 'centinela-tiles:';
const PAGE = 1000; // the API's largest page
const PARALLEL = 4; // requests at once while saving: enough to fill a weak link, few enough not to choke it
const TILE_CAP = 400; // ~20 MB of tiles at most per area; a bigger area gets fewer zoom levels
const TILE_LEVELS = 4;
const TILE_MINZOOM = 6; // the tile server refuses lower zooms (map.js, web/maps.py)
const TILE_MAXZOOM = 16;
const ZONE_KINDS = ['protected_area', 'indigenous_land', 'buffer_zone']; // what rangers patrol by

// --- storage --------------------------------------------------------------------------------------------
let dbPromise = null;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('areas', { keyPath: ['user', 'id'] });
      open.result.createObjectStore('details', { keyPath: ['user', 'area', 'id'] });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => { dbPromise = null; reject(open.error); };
  });
  return dbPromise;
}

/** Run fn(stores…) in one transaction; resolves with what fn's last request gave, once the transaction commits. */
async function transaction(names, mode, fn) {
  const tx = (await db()).transaction(names, mode);
  return new Promise((resolve, reject) => {
    let result;
    const req = fn(...names.map((n) => tx.objectStore(n)));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

// Array keys sort by element; an array sorts after any string, so [user, []] closes every key of user.
const under = (...prefix) => IDBKeyRange.bound(prefix, [...prefix, []]);
const tileCacheName = (user, id) => `${TILE_CACHE}${encodeURIComponent(user)}:${encodeURIComponent(id)}`;

export async function savedAreas(user) {
  if (!user || !('indexedDB' in window)) return [];
  const areas = (await transaction(['areas'], 'readonly', (s) => s.getAll(under(user)))) ?? [];
  return areas.sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

async function putArea(area, details) {
  await transaction(['areas', 'details'], 'readwrite', (areas, store) => {
    store.delete(under(area.user, area.id));
    for (const d of details) store.put(d);
    return areas.put(area);
  });
}

async function deleteArea(user, id) {
  await transaction(['areas', 'details'], 'readwrite', (areas, details) => {
    details.delete(under(user, id));
    return areas.delete([user, id]);
  });
  if ('caches' in window) await caches.delete(tileCacheName(user, id));
}

async function savedDetail(user, areas, alertId) {
  for (const area of areas) {
    const d = await transaction(['details'], 'readonly', (s) => s.get([user, area.id, alertId]));
    if (d) return { detail: d.feature, area };
  }
  return null;
}

/** Delete everything kept for `user` on this phone (logout). */
export async function forgetUser(user) {
  if (!user) return;
  if ('indexedDB' in window) {
    await transaction(['areas', 'details'], 'readwrite', (areas, details) => {
      details.delete(under(user));
      return areas.delete(under(user));
    });
  }
  if ('caches' in window) {
    const mine = `${TILE_CACHE}${encodeURIComponent(user)}:`;
    for (const name of await caches.keys()) if (name.startsWith(mine)) await caches.delete(name);
  }
  const kept = rememberedUser();
  if (kept?.user === user) localStorage.removeItem(USER_KEY);
}

function rememberedUser() {
  try {
    const kept = JSON.parse(localStorage.getItem(USER_KEY) ?? 'null');
    return kept && typeof kept.user === 'string' && typeof kept.role === 'string' ? kept : null;
  } catch {
    return null;
  }
}

// --- geometry and tiles ---------------------------------------------------------------------------------
/** [minx, miny, maxx, maxy] of a GeoJSON feature, or null. */
export function bounds(feature) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else for (const x of c) walk(x);
  };
  const g = feature?.geometry;
  if (g?.type === 'GeometryCollection') for (const part of g.geometries ?? []) walk(part.coordinates);
  else walk(g?.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

const meets = (a, b) => a && b && a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];

function parseBbox(text) {
  const b = String(text ?? '').split(',').map(Number);
  return b.length === 4 && b.every(Number.isFinite) ? b : null;
}

const tileX = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
function tileY(lat, z) {
  const r = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
}

/**
 * The tiles to keep for a box: from the deepest zoom at which the box fits in about four tiles (the view the
 * area opens at) down to finer levels, as many as fit under `cap`. capped: a finer level was left out.
 */
export function tilesFor(bbox, cap = TILE_CAP) {
  const level = (z) => {
    const clamp = (v) => Math.max(0, Math.min(2 ** z - 1, v));
    const x0 = clamp(tileX(bbox[0], z)); const x1 = clamp(tileX(bbox[2], z));
    const y0 = clamp(tileY(bbox[3], z)); const y1 = clamp(tileY(bbox[1], z));
    return { z, x0, x1, y0, y1, count: (x1 - x0 + 1) * (y1 - y0 + 1) };
  };
  let first = TILE_MINZOOM;
  while (first < TILE_MAXZOOM && level(first + 1).count <= 4) first += 1;
  const tiles = [];
  let capped = false;
  for (let z = first; z <= TILE_MAXZOOM && z < first + TILE_LEVELS; z += 1) {
    const l = level(z);
    if (tiles.length + l.count > cap) { capped = true; break; }
    for (let x = l.x0; x <= l.x1; x += 1) for (let y = l.y0; y <= l.y1; y += 1) tiles.push([z, x, y]);
  }
  return { tiles, capped };
}

// The map's background is the clear composite of the weeks up to the latest date over the view (main.js
// loadBaseImagery, map.js tileUrl): keep its tiles at the same address, so the service worker finds them when
// the page, with no signal, asks for the composite up to the latest saved date.
const BASE_WEEKS = 6;
const WEEK_MS = 7 * 24 * 3600 * 1000;
const compositeUrl = (until, [z, x, y]) => new URL(
  `/tiles/composite/${z}/${x}/${y}.png?until=${encodeURIComponent(until)}&weeks=${BASE_WEEKS}&style=true`, window.location.href).href;

/** The dates inside the composite's window up to the latest one, oldest first. */
export function compositeDates(dates) {
  const days = [...new Set((dates ?? []).map((d) => String(d?.date ?? '').slice(0, 10)).filter((d) => /^\d{4}-\d\d-\d\d$/.test(d)))].sort();
  if (!days.length) return [];
  const until = days[days.length - 1];
  const start = new Date(Date.parse(`${until}T00:00:00Z`) - BASE_WEEKS * WEEK_MS + 24 * 3600 * 1000).toISOString().slice(0, 10);
  return days.filter((d) => d >= start);
}

/** Run `fn` over `items`, PARALLEL at a time; the first failure stops the rest and is thrown. */
async function eachParallel(items, fn) {
  let next = 0;
  let failed = null;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try { await fn(items[i], i); } catch (err) { failed ??= err; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  if (failed) throw failed;
}

// --- saving an area -------------------------------------------------------------------------------------
const round5 = (v) => Math.round(v * 1e5) / 1e5;

/** Download one area for `user` and keep it; progress(text, done, total) is told each step. */
async function download(target, user, config, progress) {
  const fresh = (path) => API.api(path, { offline: false }); // never answered from older saved data
  const box = target.bbox.map(round5).join(',');
  const alerts = [];
  for (let offset = 0; ;) {
    progress(t('offline.step.alerts', { n: alerts.length }), 0, 0);
    const fc = await fresh(`/api/alerts${API.query({ bbox: box, limit: PAGE, offset })}`);
    const page = Array.isArray(fc?.features) ? fc.features : [];
    alerts.push(...page);
    offset += page.length;
    if (!page.length || offset >= (Number(fc?.numberMatched) || 0)) break;
  }
  progress(t('offline.step.zones'), 0, 0);
  const zones = await fresh(`/api/zones${API.query({ bbox: box })}`);

  const details = [];
  let done = 0;
  await eachParallel(alerts, async (f) => {
    const id = String(f.properties?.alert_id ?? '');
    if (!id) return;
    try {
      details.push({ user, area: target.id, id, feature: await fresh(`/api/alerts/${encodeURIComponent(id)}`) });
    } catch (err) {
      if (err.status !== 404) throw err; // gone or hidden since the list was read: nothing to keep
    }
    done += 1;
    progress(t('offline.step.details', { i: done, n: alerts.length }), done, alerts.length);
  });

  let tiles = null;
  if (config?.tiles && 'caches' in window) {
    const dates = compositeDates(await fresh(`/api/imagery/dates${API.query({ bbox: box })}`));
    if (dates.length) {
      const until = dates[dates.length - 1];
      const { tiles: list, capped } = tilesFor(target.bbox);
      const name = tileCacheName(user, target.id);
      await caches.delete(name); // a refresh may pick another date: drop the old one's tiles
      const cache = await caches.open(name);
      let fetched = 0;
      let kept = 0;
      await eachParallel(list, async (xyz) => {
        const url = compositeUrl(until, xyz);
        const res = await fetch(url, { credentials: 'same-origin' });
        if (res.ok) { await cache.put(url, res); kept += 1; } // 404: outside the imagery's footprint
        else if (res.status !== 404) throw new ApiError(t('error.http', { status: res.status }), res.status);
        fetched += 1;
        progress(t('offline.step.tiles', { i: fetched, n: list.length }), fetched, list.length);
      });
      tiles = { date: until, dates, weeks: BASE_WEEKS, count: kept, capped };
    }
  }
  const area = {
    user, id: target.id, kind: target.kind, name: target.name, bbox: target.bbox,
    savedAt: new Date().toISOString(), alerts, zones, config: { ...config }, tiles,
  };
  await putArea(area, details);
  return area;
}

// --- answering the page's requests with no signal -------------------------------------------------------
const byDate = (a, b) => (a.savedAt < b.savedAt ? 1 : -1);

function filterAlerts(areas, params) {
  const bbox = parseBbox(params.get('bbox'));
  const used = areas.filter((a) => !bbox || meets(a.bbox, bbox));
  const seen = new Set();
  const out = [];
  for (const area of [...used].sort(byDate)) { // the newest copy of an alert kept in two areas wins
    for (const f of area.alerts ?? []) {
      const p = f.properties ?? {};
      if (seen.has(p.alert_id)) continue;
      const day = String(p.first_seen ?? '').slice(0, 10);
      if (bbox && !meets(bounds(f) ?? [p.lon, p.lat, p.lon, p.lat], bbox)) continue;
      if (params.get('since') && day < params.get('since')) continue;
      if (params.get('until') && day > params.get('until')) continue;
      if (['status', 'cause', 'confidence', 'area'].some((k) => params.get(k) && String(p[k === 'area' ? 'area_name' : k]) !== params.get(k))) continue;
      seen.add(p.alert_id);
      out.push(f);
    }
  }
  const offset = Number(params.get('offset')) || 0;
  const limit = Number(params.get('limit')) || 100;
  const page = out.slice(offset, offset + limit);
  return { used, data: { type: 'FeatureCollection', features: page, numberMatched: out.length, numberReturned: page.length } };
}

function mergedZones(areas, params) {
  const kind = params.get('kind');
  const bbox = parseBbox(params.get('bbox'));
  const seen = new Set();
  const features = [];
  for (const area of areas) {
    for (const f of area.zones?.features ?? []) {
      const p = f.properties ?? {};
      const key = `${p.zone_id ?? ''}|${p.kind}|${p.name}`;
      if (seen.has(key) || (kind && p.kind !== kind) || (bbox && !meets(bounds(f), bbox))) continue;
      seen.add(key);
      features.push(f);
    }
  }
  return { type: 'FeatureCollection', features };
}

function unionBox(areas) {
  const boxes = areas.map((a) => a.bbox).filter(Array.isArray);
  if (!boxes.length) return null;
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}

// --- the module as the page uses it ---------------------------------------------------------------------
/**
 * ctx: {notify(text, kind), mapCtl() → the map controller or null, config() → /api/config's answer,
 * onBack() → called when the server answers again during an offline session}.
 */
export function createOffline(ctx) {
  let user = null; // {user, role, offline?}
  let areas = [];
  let busy = false;
  let progressState = null; // {text, done, total}
  let targets = { areas: [], zones: [] };
  let targetsLoaded = false;
  let bannerAreas = null; // the areas the page is showing data from, while it has no signal

  const section = h('section', { id: 'offline-section', class: 'panel', hidden: true });
  const details = h('details', { id: 'offline-details' });
  const body = h('div', { id: 'offline-body' });
  details.append(h('summary', { id: 'offline-summary' }), body);
  section.append(details);
  $('#side-content')?.insertBefore(section, $('#layers'));
  details.addEventListener('toggle', () => { if (details.open) loadTargets(); });

  const banner = h('p', { id: 'offline-banner', class: 'offline-banner', role: 'status', hidden: true });
  const mapWrap = $('.map-wrap');
  mapWrap?.insertBefore(banner, mapWrap.firstChild);

  function renderBanner() {
    if (!bannerAreas?.length) {
      banner.hidden = true;
      document.body.removeAttribute('data-offline');
      return;
    }
    const oldest = bannerAreas.reduce((a, b) => (a.savedAt < b.savedAt ? a : b));
    banner.textContent = t('offline.banner', {
      date: formatSaved(oldest.savedAt),
      name: bannerAreas.map((a) => a.name).join(', '),
    });
    banner.hidden = false;
    document.body.dataset.offline = '1';
  }

  function showingSaved(used) {
    bannerAreas = used.length ? used : areas;
    renderBanner();
  }

  async function answer(path, method) {
    if (!user) return undefined;
    try { areas = await savedAreas(user.user); } catch { return undefined; }
    if (!areas.length) return undefined;
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(t('offline.readonly'), 0);
    const url = new URL(path, window.location.href);
    const params = url.searchParams;
    const route = url.pathname;
    if (route === '/api/alerts') {
      const { used, data } = filterAlerts(areas, params);
      showingSaved(used);
      return data;
    }
    const one = route.match(/^\/api\/alerts\/([^/]+)$/);
    if (one && one[1] !== 'summary') {
      const kept = await savedDetail(user.user, [...areas].sort(byDate), decodeURIComponent(one[1]));
      if (!kept) throw new ApiError(t('offline.missing'), 0);
      showingSaved([kept.area]);
      // Read-only with no signal: no status change or evidence download to offer.
      const p = { ...kept.detail.properties, allowed_transitions: [], evidence_url: null, offline_saved_at: formatSaved(kept.area.savedAt) };
      return { ...kept.detail, properties: p };
    }
    if (route === '/api/zones') return mergedZones(areas, params);
    if (route === '/api/config') {
      const newest = [...areas].sort(byDate)[0];
      return { ...newest.config, bounds: unionBox(areas), tiles: areas.some((a) => a.tiles) };
    }
    if (route === '/api/imagery/dates') {
      const bbox = parseBbox(params.get('bbox'));
      const dates = new Map();
      for (const a of areas) if (a.tiles && (!bbox || meets(a.bbox, bbox))) for (const d of a.tiles.dates ?? [a.tiles.date]) dates.set(d, { date: d, cloud_cover: null });
      return [...dates.values()];
    }
    if (route === '/api/me') return undefined; // the page decides (main.js boot)
    throw new ApiError(t('offline.unavailable'), 0);
  }

  API.setOfflineHooks({
    answer,
    reached() {
      if (bannerAreas) { bannerAreas = null; renderBanner(); }
      if (user?.offline) ctx.onBack?.();
    },
  });
  // Back in coverage: the page learns it from the browser, or from a retry while the session is offline.
  window.addEventListener('online', () => { if (user?.offline) ctx.onBack?.(); });
  setInterval(() => { if (user?.offline && navigator.onLine) ctx.onBack?.(); }, 30_000);

  // Registered once someone has signed in and the first view is on screen (main.js sets body[data-ready]): the
  // shell is only of use with saved areas, and its download must not compete with the first view on a weak link.
  let registered = false;
  function registerWorker() {
    if (registered || !('serviceWorker' in navigator)) return;
    registered = true;
    const register = () => navigator.serviceWorker.register('/sw.js', { scope: '/' })
      .catch((err) => console.warn('service worker:', err.message));
    if (document.body.dataset.ready) { register(); return; }
    const watch = new MutationObserver(() => {
      if (!document.body.dataset.ready) return;
      watch.disconnect();
      register();
    });
    watch.observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  }

  // --- the section --------------------------------------------------------------------------------------
  async function loadTargets() {
    if (targetsLoaded || !user || user.offline) return;
    targetsLoaded = true;
    try {
      const [list, ...zoneSets] = await Promise.all([
        API.api('/api/areas', { offline: false }).catch(() => []),
        ...ZONE_KINDS.map((kind) => API.api(`/api/zones${API.query({ kind })}`, { offline: false }).catch(() => null)),
      ]);
      targets.areas = (list ?? []).filter((a) => Array.isArray(a.bbox) && a.bbox.length === 4)
        .map((a) => ({ kind: 'area', id: `area:${a.name}`, name: a.name, bbox: a.bbox }));
      targets.zones = zoneSets.flatMap((fc) => fc?.features ?? []).map((f) => {
        const p = f.properties ?? {};
        return { kind: 'zone', id: `zone:${p.kind}:${p.zone_id ?? p.name}`, name: p.name || label('zone', p.kind), zoneKind: p.kind, bbox: bounds(f) };
      }).filter((z) => z.bbox).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      targetsLoaded = false;
    }
    render();
  }

  function viewTarget() {
    const mapCtl = ctx.mapCtl();
    const bbox = mapCtl ? mapCtl.bbox() : ctx.config()?.bounds;
    if (!Array.isArray(bbox) || bbox.length !== 4) return null;
    const b = bbox.map(round5);
    return { kind: 'view', id: `view:${b.join(',')}`, name: t('offline.view.name', { date: formatSaved(new Date().toISOString()) }), bbox: b };
  }

  async function save(target) {
    if (busy || !target || !user || user.offline) return;
    busy = true;
    progressState = { text: t('offline.saving'), done: 0, total: 0 };
    render();
    try {
      // Ask the browser not to evict the saved areas when the phone runs short of space.
      navigator.storage?.persist?.().catch(() => {});
      const area = await download(target, user.user, ctx.config(), (text, done, total) => {
        progressState = { text, done, total };
        renderProgress();
      });
      areas = await savedAreas(user.user);
      ctx.notify(t('offline.saved', { name: area.name, alerts: area.alerts.length, tiles: area.tiles?.count ?? 0 }));
    } catch (err) {
      ctx.notify(t('offline.failed', { error: err.message }), 'error');
    } finally {
      busy = false;
      progressState = null;
      render();
    }
  }

  async function remove(area) {
    try {
      await deleteArea(area.user, area.id);
      areas = await savedAreas(user?.user);
      ctx.notify(t('offline.deleted', { name: area.name }));
    } catch (err) {
      ctx.notify(err.message, 'error');
    }
    render();
  }

  function show(area) {
    const map = ctx.mapCtl()?.map;
    const b = area.bbox;
    if (map && b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 20, duration: 0 });
  }

  function renderProgress() {
    const box = $('#offline-progress', body);
    if (!box || !progressState) return;
    const bar = $('progress', box);
    if (progressState.total) { bar.max = progressState.total; bar.value = progressState.done; } else bar.removeAttribute('value');
    $('p', box).textContent = progressState.text;
  }

  function render() {
    $('#offline-summary', details).textContent = t('offline.title');
    clear(body);
    if (!user) return;
    const supported = 'indexedDB' in window;
    body.append(h('p', { class: 'hint', text: t('offline.intro') }),
      h('p', { class: 'hint', id: 'offline-logout-note', text: t('offline.logout.note') }));
    if (!supported) {
      body.append(h('p', { class: 'warning', text: t('offline.unsupported') }));
      return;
    }
    if (!user.offline) {
      const select = h('select', { id: 'offline-target', name: 'offline-target', disabled: busy });
      select.append(h('option', { value: 'view', text: t('offline.target.view') }));
      const options = new Map();
      const group = (title, list) => {
        if (!list.length) return;
        const g = h('optgroup', { label: title });
        for (const x of list) {
          options.set(x.id, x);
          g.append(h('option', { value: x.id, text: x.zoneKind ? `${x.name} (${label('zone', x.zoneKind)})` : x.name }));
        }
        select.append(g);
      };
      group(t('offline.target.areas'), targets.areas);
      group(t('offline.target.zones'), targets.zones);
      body.append(h('label', { for: 'offline-target', text: t('offline.target') }), select,
        h('div', { class: 'button-row' }, h('button', {
          type: 'button', id: 'offline-save', class: 'primary', disabled: busy, text: busy ? t('offline.saving') : t('offline.save'),
          on: { click: () => save(select.value === 'view' ? viewTarget() : options.get(select.value)) },
        })));
      if (progressState) {
        body.append(h('div', { id: 'offline-progress', class: 'offline-progress', role: 'status', 'aria-live': 'polite' },
          h('progress', {}), h('p', { class: 'hint' })));
        renderProgress();
      }
    }
    const list = h('ul', { id: 'offline-areas', class: 'entries' });
    for (const area of areas) {
      list.append(h('li', { dataset: { areaId: area.id } },
        h('strong', { text: area.name }),
        h('div', { class: 'hint', text: t('offline.item', { date: formatSaved(area.savedAt), alerts: formatNumber(area.alerts?.length ?? 0, 0), tiles: area.tiles ? t('offline.tiles', { n: formatNumber(area.tiles.count, 0), date: area.tiles.date }) : t('offline.tiles.none') }) }),
        area.tiles?.capped ? h('div', { class: 'hint', text: t('offline.tiles.capped', { n: TILE_CAP }) }) : null,
        h('div', { class: 'button-row' },
          h('button', { type: 'button', class: 'secondary offline-show', text: t('offline.show'), on: { click: () => show(area) } }),
          user.offline ? null : h('button', {
            type: 'button', class: 'secondary offline-refresh', disabled: busy, text: t('offline.refresh'),
            on: { click: () => save({ kind: area.kind, id: area.id, name: area.name, bbox: area.bbox }) },
          }),
          h('button', { type: 'button', class: 'ghost offline-delete', disabled: busy, text: t('offline.delete'), on: { click: () => remove(area) } }))));
    }
    body.append(h('h3', { text: t('offline.saved.title') }),
      areas.length ? list : h('p', { id: 'offline-areas', class: 'muted', text: t('offline.list.empty') }));
  }

  onLangChange(() => { render(); renderBanner(); });

  return {
    /** A person signed in (online, or offline from the remembered user): show their saved areas. */
    async signedIn(next) {
      user = next;
      section.hidden = false;
      if (!next.offline) {
        localStorage.setItem(USER_KEY, JSON.stringify({ user: next.user, role: next.role }));
        localStorage.removeItem(LOGOUT_KEY); // a new sign-in replaced the session a logout with no signal left
        registerWorker();
        bannerAreas = null;
        renderBanner();
      }
      try { areas = await savedAreas(next.user); } catch { areas = []; }
      render();
    },
    /** The screen is about to show the login form: nothing of the last person stays visible. */
    signedOut() {
      user = null;
      areas = [];
      bannerAreas = null;
      targets = { areas: [], zones: [] };
      targetsLoaded = false;
      section.hidden = true;
      renderBanner();
      render();
    },
    /** Logout: delete everything kept for this person. Done with no signal, the server session ends later. */
    async forget(name, serverReached) {
      if (!serverReached) localStorage.setItem(LOGOUT_KEY, '1');
      try { await forgetUser(name); } catch (err) { console.warn('offline data:', err.message); }
    },
    /** True once after a logout made with no signal (the server session must still be ended). */
    takePendingLogout() {
      const pending = localStorage.getItem(LOGOUT_KEY) === '1';
      localStorage.removeItem(LOGOUT_KEY);
      return pending;
    },
    /** The person to open read-only when the network is down: the last one signed in, if they kept areas. */
    async sessionUser() {
      const kept = rememberedUser();
      if (!kept) return null;
      try {
        return (await savedAreas(kept.user)).length ? { ...kept, offline: true } : null;
      } catch {
        return null;
      }
    },
  };
}

/** "2026-12-03T15:59:00.000Z" → "2026-12-03 10:59" in the phone's time zone (what the ranger's watch says). */
function formatSaved(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
