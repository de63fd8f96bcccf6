// Start-up and wiring: sign-in, then the map, filters, legend, chart and alert panel. Each piece lives in
// its own module; this one only decides when things load and who is told about changes.

import * as API from './api.js';
import { $, debounce, h } from './dom.js';
import { t, label, setLang, getLang, storedLang, onLangChange, applyI18n } from './i18n.js';
import { createFilters } from './filters.js';
import { renderLegend } from './legend.js';
import { renderChart } from './chart.js';
import { applyPalette } from './styles.js';
import { renderAlertList } from './list.js';
import { createPanel } from './panel.js';
import { createOffline } from './offline.js';
import { createReports } from './report.js';

const ALERT_LIMIT = 1000; // the API's largest page; past it the page says how many more there are
const EMPTY = { type: 'FeatureCollection', features: [] };

const state = {
  config: null,
  user: null, // {user, role, csrf_token}
  started: false,
  mapCtl: null, // null until the map starts, and for good when the browser has no WebGL
  filters: null,
  panel: null,
  imagery: null,
  legend: { zoneKinds: {}, zoneVisible: {}, baseDate: null, baseVisible: true },
  alerts: [],
  matched: null,
  alertsLoaded: false,
  alertsController: null,
  chartController: null,
  chartRows: null,
  selectedId: null,
};

// --- loading MapLibre ----------------------------------------------------------------------------------
// MapLibre and the map modules are a separate chunk (~250 kB brotli, its worker ~120 kB more): the login form
// must not wait for them on a phone at 400 kbps. The download starts once the form shows (or at once for a
// kept session).
// The config asked at start-up beside /api/me (null when that was not signed in yet: asked again after login).
let earlyConfig = null;
let mapKitPromise = null;
function mapKit() {
  if (!mapKitPromise) {
    // MapLibre's worker too, side by side with the chunk rather than after it has run (a second on a field
    // link): the same address map.js gives it, so the map then takes it from the HTTP cache.
    const worker = new URL('./maplibre-gl-worker.js', import.meta.url);
    worker.searchParams.set('v', __MAPLIBRE_VERSION__); // eslint-disable-line no-undef -- set by build.mjs
    fetch(worker).then((res) => res.arrayBuffer()).catch(() => {});
  }
  mapKitPromise ??= import('./mapkit.js').catch((err) => {
    mapKitPromise = null; // a dropped connection: try again at the next need
    throw err;
  });
  return mapKitPromise;
}

// --- messages -------------------------------------------------------------------------------------------
let messageTimer = null;
function notify(text, kind = 'info') {
  const box = $('#message');
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
  clearTimeout(messageTimer);
  // Errors stay longer: they are what a person must read and maybe pass on to support.
  messageTimer = setTimeout(() => { box.hidden = true; }, kind === 'error' ? 12000 : 4000);
}

// --- offline areas (issue #19: offline) ------------------------------------------------------------------
// offline.js keeps areas on the phone and answers the page's requests from them when there is no signal; a
// reload with no signal opens the last person's saved areas read-only, until /api/me answers again.
const offline = createOffline({ notify, mapCtl: () => state.mapCtl, config: () => state.config, onBack: backOnline });
let checkingBack = false;

// Field reports (issue #19: report): an outbox on the phone, sent at sign-in, on `online` and every minute.
const reports = createReports({
  notify,
  user: () => state.user?.user ?? null,
  onSent: async (ids) => { if (state.selectedId && ids.includes(state.selectedId)) await selectAlert(state.selectedId); },
});
async function backOnline() {
  if (checkingBack || !state.user?.offline) return;
  checkingBack = true;
  try {
    await signedIn(await API.me());
    if (state.selectedId) selectAlert(state.selectedId); // with its actions, read-only no more
  } catch (err) {
    if (err.status === 401) { // the session ended while offline: reports wait in the outbox for the next sign-in
      notify(t('error.session'), 'error');
      signedOut();
    }
  } finally {
    checkingBack = false;
  }
}

// --- sign in / out --------------------------------------------------------------------------------------
function showLogin() {
  $('#app-view').hidden = true; // the map reappears (and MapLibre resizes itself) at the next sign-in
  $('#login-view').hidden = false;
  $('#logout').hidden = true;
  $('#user-info').hidden = true;
  document.body.classList.add('signed-out');
  $('#username').focus();
  reports.loginNote(); // a report kept on the phone while the session expired: say it goes at sign-in
  mapKit().catch(() => {}); // fetch it while the person types; startApp reports a failure
}

/** Forget everything the last person could see: alerts in sensitive areas must not stay on screen. */
function signedOut() {
  state.user = null;
  offline.signedOut();
  state.alertsController?.abort();
  state.chartController?.abort();
  state.mapCtl?.setAlerts(EMPTY);
  state.mapCtl?.setZones(EMPTY);
  zonesController?.abort();
  zonesView = null;
  state.mapCtl?.setSelected(null);
  state.panel?.hide();
  state.selectedId = null;
  document.body.classList.remove('alert-selected');
  noticeClosed = null;
  sheetCounts = null;
  state.alerts = [];
  state.matched = null;
  state.alertsLoaded = false;
  state.chartRows = null;
  $('#chart').replaceChildren();
  $('#alert-list-body').replaceChildren();
  renderAlertStatus();
  showLogin();
}

function renderUser() {
  const info = $('#user-info');
  if (!state.user) return;
  info.textContent = `${state.user.user} · ${t('user.role', { role: label('role', state.user.role) })}`;
  info.hidden = false;
  $('#logout').hidden = false;
  // The server hides alerts in sensitive areas from viewers; say so, or they would think there are none. The
  // person may close it (on a phone it takes a third of the map); it comes back at the next sign-in.
  $('#sensitive-notice').hidden = state.user.role !== 'viewer' || noticeClosed === state.user.user;
}

let noticeClosed = null; // the user who closed the sensitive-areas notice in this sign-in
$('#notice-close').addEventListener('click', () => {
  noticeClosed = state.user?.user ?? null;
  $('#sensitive-notice').hidden = true;
});

async function signedIn(user) {
  state.user = user;
  offline.signedIn(user);
  $('#login-view').hidden = true;
  $('#app-view').hidden = false;
  document.body.classList.remove('signed-out');
  renderUser();
  state.panel?.setRole(user.role);
  if (!state.started) {
    state.started = true;
    await startApp();
  } else {
    // Another sign-in on the same page (session expired, or someone else): reload what they may see.
    await loadZones();
    await Promise.all([loadAlerts(), loadChart()]);
  }
  reports.flush(); // what waited on the phone (written offline, or before the session expired)
}

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = $('#login-error');
  const button = $('#login-submit');
  error.hidden = true;
  button.disabled = true;
  button.textContent = t('login.busy');
  try {
    const user = await API.login($('#username').value.trim(), $('#password').value);
    $('#password').value = '';
    await signedIn(user);
  } catch (err) {
    error.textContent = `${t('login.failed')}: ${err.message}`;
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = t('login.submit');
  }
});

$('#logout').addEventListener('click', async () => {
  let reached = true;
  try {
    await API.logout();
  } catch (err) {
    reached = err.status !== 0; // no signal: the server session is ended at the next start with signal
    if (err.status !== 401 && err.status !== 0) notify(err.message, 'error');
  }
  await offline.forget(state.user?.user, reached); // saved areas hold sensitive locations: none stay behind
  signedOut();
});

API.onUnauthorized(() => {
  if (!state.user) return;
  notify(t('error.session'), 'error');
  signedOut();
});

// --- language -------------------------------------------------------------------------------------------
$('#lang-toggle').addEventListener('click', () => setLang(getLang() === 'es' ? 'en' : 'es', true));

onLangChange(() => {
  renderUser();
  renderSheetToggle();
  state.filters?.renderLabels();
  renderAlertStatus();
  renderLegendNow();
  if (state.alertsLoaded) renderAlertList($('#alert-list-body'), state.alerts, selectAlert, state.filters?.isNew);
  if (state.chartRows && state.filters) renderChart($('#chart'), state.chartRows, state.filters.months(), state.filters.params().cause);
  state.panel?.render();
});

// --- bottom sheet (phones) ------------------------------------------------------------------------------
const side = $('#side');
const narrow = window.matchMedia('(max-width: 700px)');
let sheetCounts = null; // {total, mining} of the what-is-new line, shown on the folded sheet
function renderSheetToggle() {
  const open = side.dataset.sheet !== 'closed';
  const button = $('#sheet-toggle');
  const counts = !open && sheetCounts?.total ? ` · ${t('sheet.new', sheetCounts)}` : '';
  button.textContent = (open ? t('sheet.hide') : t('sheet.show')) + counts;
  button.setAttribute('aria-expanded', String(open));
}
document.addEventListener('centinela:whatsnew', (e) => { sheetCounts = e.detail; renderSheetToggle(); });
function setSheet(open) {
  side.dataset.sheet = open ? 'open' : 'closed';
  renderSheetToggle();
}
$('#sheet-toggle').addEventListener('click', () => setSheet(side.dataset.sheet === 'closed'));
// On a phone the map comes first: start with the sheet folded so it does not cover the alerts.
if (narrow.matches) setSheet(false);

/** Map padding that keeps a zoomed-to alert out from under the bottom sheet on phones. */
function viewPadding() {
  if (!narrow.matches || side.dataset.sheet === 'closed') return 60;
  return { top: 50, left: 30, right: 50, bottom: Math.round(side.getBoundingClientRect().height) + 20 };
}

// --- data -----------------------------------------------------------------------------------------------
function renderAlertStatus() {
  const el = $('#alerts-status');
  const warn = $('#alerts-truncated');
  if (!state.alertsLoaded) {
    el.textContent = '';
    warn.hidden = true;
    return;
  }
  const n = state.alerts.length;
  el.textContent = n === 1 ? t('alerts.count.one') : t('alerts.count', { n });
  const total = Number.isFinite(state.matched) ? state.matched : null;
  if (total !== null && total > n) {
    warn.textContent = t('alerts.matched', { n, total });
    warn.hidden = false;
  } else if (total === null && n >= ALERT_LIMIT) {
    warn.textContent = t('alerts.truncated', { n: ALERT_LIMIT });
    warn.hidden = false;
  } else {
    warn.hidden = true;
  }
}

/** The box to ask alerts for: the map's view, or the data's bounds when there is no map. */
function currentBbox() {
  if (state.mapCtl) return state.mapCtl.bbox();
  const b = state.config?.bounds;
  return Array.isArray(b) && b.length === 4 ? b : null;
}

async function loadAlerts() {
  if (!state.filters || !state.user) return;
  // Only the newest view matters: cancel the request for a view the person already panned away from.
  state.alertsController?.abort();
  const controller = new AbortController();
  state.alertsController = controller;
  const mapEl = $('#map');
  mapEl.setAttribute('aria-busy', 'true');
  try {
    const bbox = currentBbox();
    const params = { bbox: bbox ? bbox.join(',') : '', ...state.filters.params(), limit: ALERT_LIMIT };
    // What is new (filters.js): one request per chosen status, only what arrived since the last visit if asked.
    const fc = await state.filters.fetchAlerts(API.getAlerts, { bbox: params.bbox, limit: ALERT_LIMIT }, controller.signal);
    state.filters.renderWhatsNew({ bbox: params.bbox });
    if (controller.signal.aborted) return;
    const features = Array.isArray(fc?.features) ? fc.features : [];
    state.alerts = features;
    state.matched = Number.isFinite(fc?.numberMatched) ? fc.numberMatched : null;
    state.alertsLoaded = true;
    state.mapCtl?.setAlerts({ type: 'FeatureCollection', features });
    mapEl.dataset.alertsCount = String(features.length);
    renderAlertStatus();
    renderAlertList($('#alert-list-body'), features, selectAlert, state.filters.isNew);
    document.body.dataset.ready = '1';
  } catch (err) {
    if (err.name === 'AbortError' || err.status === 401) return;
    notify(err.message, 'error');
  } finally {
    if (state.alertsController === controller) mapEl.removeAttribute('aria-busy');
  }
}

// Zones for the view, not the whole 1.3 MB file: the server simplifies them for the zoom and keeps those
// that touch a box around the view (padded by half a view, snapped to a power-of-two grid so the URL, and
// with it the browser's cached copy and ETag, stays the same for small pans). Asked again only when the view
// leaves that box or is zoomed in past the detail it was simplified for.
let zonesView = null; // {box, zoom} of the zones on the map
let zonesController = null;

function zonesWanted() {
  const [x0, y0, x1, y1] = state.mapCtl.bbox();
  const zoom = Math.max(0, Math.min(16, Math.floor(state.mapCtl.map.getZoom())));
  const pad = Math.max(x1 - x0, y1 - y0, 1e-4) / 2;
  const step = 2 ** Math.ceil(Math.log2(pad));
  const snap = (v, round, lo, hi) => Math.min(hi, Math.max(lo, round(v / step) * step));
  const box = [snap(x0 - pad, Math.floor, -180, 180), snap(y0 - pad, Math.floor, -90, 90),
    snap(x1 + pad, Math.ceil, -180, 180), snap(y1 + pad, Math.ceil, -90, 90)];
  return { box, zoom, view: [x0, y0, x1, y1] };
}

function zonesStale() {
  if (!zonesView) return true;
  const { view, zoom } = zonesWanted();
  const [bx0, by0, bx1, by1] = zonesView.box;
  return zoom > zonesView.zoom || view[0] < bx0 || view[1] < by0 || view[2] > bx1 || view[3] > by1;
}

async function loadZones() {
  if (!state.mapCtl) return;
  zonesController?.abort();
  const controller = new AbortController();
  zonesController = controller;
  const { box, zoom } = zonesWanted();
  try {
    const fc = await API.getZones({ bbox: box.join(','), zoom }, controller.signal);
    if (controller.signal.aborted || !state.user) return;
    zonesView = { box, zoom };
    state.legend.zoneKinds = state.mapCtl.setZones(fc);
    for (const [kind, visible] of Object.entries(state.legend.zoneVisible)) state.mapCtl.setZoneVisible(kind, visible);
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.status !== 401) notify(err.message, 'error');
  }
  renderLegendNow();
}

async function loadChart() {
  if (!state.filters || !state.user) return;
  state.chartController?.abort();
  const controller = new AbortController();
  state.chartController = controller;
  const { since, until, cause } = state.filters.params();
  try {
    const rows = await API.getMonthlyStats({ since, until, cause }, controller.signal);
    if (controller.signal.aborted) return;
    state.chartRows = Array.isArray(rows) ? rows : [];
    renderChart($('#chart'), state.chartRows, state.filters.months(), cause);
  } catch (err) {
    if (err.name === 'AbortError' || err.status === 401) return;
    $('#chart').textContent = err.message;
  }
}

/** The base image: the clearest of the latest few dates over the first view, for orientation. */
async function loadBaseImagery() {
  try {
    const dates = await API.getImageryDates(state.mapCtl.bbox());
    // The clear composite of the last 6 weeks of imagery (issue #19: change): each pixel's latest clear look.
    const recent = (dates ?? []).filter((d) => d?.date).map((d) => String(d.date).slice(0, 10)).sort();
    if (!recent.length) return;
    const range = state.mapCtl.setBaseComposite(recent[recent.length - 1], 6, recent, 'true', state.legend.baseVisible);
    state.legend.baseDate = `${range.start} – ${range.end}`;
    renderLegendNow();
  } catch (err) {
    if (err.status !== 401) console.warn('base imagery:', err.message);
  }
}

function renderLegendNow() {
  if (!state.mapCtl) return;
  renderLegend($('#legend'), state.legend, {
    onZoneToggle: (kind, visible) => {
      state.legend.zoneVisible[kind] = visible;
      state.mapCtl.setZoneVisible(kind, visible);
    },
    onBaseToggle: (visible) => {
      state.legend.baseVisible = visible;
      state.mapCtl.setBaseVisible(visible);
    },
  });
}

// --- selection ------------------------------------------------------------------------------------------
async function selectAlert(id) {
  if (!id || !state.panel) return null;
  id = String(id);
  state.selectedId = id;
  document.body.classList.add('alert-selected'); // on a phone the viewer's notice steps aside (app.css)
  state.mapCtl?.setSelected(id);
  state.panel.loading(id);
  setSheet(true);
  try {
    const feature = await API.getAlert(id);
    if (state.selectedId !== id) return null; // the person already picked another alert
    state.panel.show(feature);
    state.mapCtl?.showFeature(feature);
    return feature;
  } catch (err) {
    if (state.selectedId === id) state.panel.error(err.message);
    return null;
  }
}

function closeAlert() {
  state.selectedId = null;
  document.body.classList.remove('alert-selected');
  state.mapCtl?.setSelected(null);
  state.panel.hide();
}

// --- start ----------------------------------------------------------------------------------------------
async function startApp() {
  mapKit().catch(() => {}); // a kept session skipped the login form: fetch the map while the config comes
  const early = earlyConfig;
  earlyConfig = null;
  try {
    state.config = ((early && await early) ?? await API.getConfig()) ?? {};
  } catch (err) {
    if (err.status === 401) { state.started = false; showLogin(); return; }
    notify(err.message, 'error');
    state.config = {};
  }
  const config = state.config;
  applyPalette(config); // the causes' colours of the bulletin, before the map and legend are drawn
  if (!storedLang() && config.default_lang && config.default_lang !== getLang()) setLang(config.default_lang);
  state.filters = createFilters(config, () => { loadAlerts(); loadChart(); }, state.user?.user);

  try {
    const { createMap } = await mapKit();
    state.mapCtl = await createMap($('#map'), config, { onAlertClick: (id) => selectAlert(id), viewPadding });
  } catch (err) {
    // No WebGL (old phone, locked-down browser): the list, panel, filters and chart still work.
    console.error(err);
    state.mapCtl = null;
    // Said in the map's place (not only in a passing message) so the empty area explains itself.
    $('#map').append(h('p', { class: 'map-error', role: 'alert', dataset: { i18n: 'error.map' }, text: t('error.map') }));
    $('#alert-list-details').open = true;
  }
  // For browser tests and power users: open an alert without clicking a pixel.
  window.centinela = { map: state.mapCtl?.map ?? null, selectAlert };

  state.imagery = config.tiles && state.mapCtl ? (await mapKit()).createImagery(state.mapCtl) : null;
  state.panel = createPanel({
    panel: $('#alert-panel'),
    role: state.user?.role,
    imagery: state.imagery,
    reports,
    notify,
    onChanged: async (id) => {
      await Promise.all([selectAlert(id), loadAlerts(), loadChart()]);
    },
    onClose: closeAlert,
  });

  state.mapCtl?.map.on('moveend', debounce(loadAlerts, 300));
  state.mapCtl?.map.on('moveend', debounce(() => { if (zonesStale()) loadZones(); }, 300));
  if (config.tiles && state.mapCtl) loadBaseImagery();
  // Side by side: on a slow link the alerts must not queue behind the zones.
  await Promise.all([loadZones(), loadAlerts(), loadChart()]);
}

async function boot() {
  setLang(storedLang() ?? 'es');
  renderSheetToggle();
  earlyConfig = API.getConfig().catch(() => null); // beside /api/me: a kept session saves a round trip
  try {
    const user = await API.me();
    if (offline.takePendingLogout()) { // "Salir" was pressed with no signal: finish it now
      await API.logout().catch(() => {});
      showLogin();
      return;
    }
    await signedIn(user);
  } catch (err) {
    // No signal: open the saved areas of the last person signed in, read-only (issue #19: offline).
    const kept = err.status === 0 && !state.user ? await offline.sessionUser() : null;
    if (kept) { await signedIn(kept); return; }
    if (err.status !== 401) notify(err.message, 'error');
    if (!state.user) showLogin();
  }
}

applyI18n(document);
boot();
