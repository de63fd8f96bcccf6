// Start-up and wiring: sign-in, then the map, filters, legend, chart and alert panel. Each piece lives in
// its own module; this one only decides when things load and who is told about changes.

import * as API from './api.js';
import { $, debounce, h } from './dom.js';
import { t, label, setLang, getLang, storedLang, onLangChange, applyI18n } from './i18n.js';
import { createMap } from './map.js';
import { createFilters } from './filters.js';
import { renderLegend } from './legend.js';
import { renderChart } from './chart.js';
import { renderAlertList } from './list.js';
import { createPanel } from './panel.js';
import { createImagery, clearest } from './imagery.js';

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

// --- sign in / out --------------------------------------------------------------------------------------
function showLogin() {
  $('#app-view').hidden = true; // the map reappears (and MapLibre resizes itself) at the next sign-in
  $('#login-view').hidden = false;
  $('#logout').hidden = true;
  $('#user-info').hidden = true;
  document.body.classList.add('signed-out');
  $('#username').focus();
}

/** Forget everything the last person could see: alerts in sensitive areas must not stay on screen. */
function signedOut() {
  state.user = null;
  state.alertsController?.abort();
  state.chartController?.abort();
  state.mapCtl?.setAlerts(EMPTY);
  state.mapCtl?.setZones(EMPTY);
  state.mapCtl?.setSelected(null);
  state.panel?.hide();
  state.selectedId = null;
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
  // The server hides alerts in sensitive areas from viewers; say so, or they would think there are none.
  $('#sensitive-notice').hidden = state.user.role !== 'viewer';
}

async function signedIn(user) {
  state.user = user;
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
  try { await API.logout(); } catch (err) { if (err.status !== 401) notify(err.message, 'error'); }
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
  if (state.alertsLoaded) renderAlertList($('#alert-list-body'), state.alerts, selectAlert);
  if (state.chartRows && state.filters) renderChart($('#chart'), state.chartRows, state.filters.months(), state.filters.params().cause);
  state.panel?.render();
});

// --- bottom sheet (phones) ------------------------------------------------------------------------------
const side = $('#side');
const narrow = window.matchMedia('(max-width: 700px)');
function renderSheetToggle() {
  const open = side.dataset.sheet !== 'closed';
  const button = $('#sheet-toggle');
  button.textContent = open ? t('sheet.hide') : t('sheet.show');
  button.setAttribute('aria-expanded', String(open));
}
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
    const fc = await API.getAlerts(params, controller.signal);
    if (controller.signal.aborted) return;
    const features = Array.isArray(fc?.features) ? fc.features : [];
    state.alerts = features;
    state.matched = Number.isFinite(fc?.numberMatched) ? fc.numberMatched : null;
    state.alertsLoaded = true;
    state.mapCtl?.setAlerts({ type: 'FeatureCollection', features });
    mapEl.dataset.alertsCount = String(features.length);
    renderAlertStatus();
    renderAlertList($('#alert-list-body'), features, selectAlert);
    document.body.dataset.ready = '1';
  } catch (err) {
    if (err.name === 'AbortError' || err.status === 401) return;
    notify(err.message, 'error');
  } finally {
    if (state.alertsController === controller) mapEl.removeAttribute('aria-busy');
  }
}

async function loadZones() {
  if (!state.mapCtl) return;
  try {
    const fc = await API.getZones();
    state.legend.zoneKinds = state.mapCtl.setZones(fc);
    for (const [kind, visible] of Object.entries(state.legend.zoneVisible)) state.mapCtl.setZoneVisible(kind, visible);
  } catch (err) {
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
    const recent = (dates ?? []).filter((d) => d?.date).sort((a, b) => (a.date < b.date ? 1 : -1)).slice(0, 6);
    const pick = clearest(recent);
    if (!pick) return;
    state.legend.baseDate = String(pick.date).slice(0, 10);
    state.mapCtl.setBaseImagery(state.legend.baseDate, 'true', state.legend.baseVisible);
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
  state.mapCtl?.setSelected(null);
  state.panel.hide();
}

// --- start ----------------------------------------------------------------------------------------------
async function startApp() {
  try {
    state.config = (await API.getConfig()) ?? {};
  } catch (err) {
    if (err.status === 401) { state.started = false; showLogin(); return; }
    notify(err.message, 'error');
    state.config = {};
  }
  const config = state.config;
  if (!storedLang() && config.default_lang && config.default_lang !== getLang()) setLang(config.default_lang);
  state.filters = createFilters(config, () => { loadAlerts(); loadChart(); });

  try {
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

  state.imagery = config.tiles && state.mapCtl ? createImagery(state.mapCtl) : null;
  state.panel = createPanel({
    panel: $('#alert-panel'),
    role: state.user?.role,
    imagery: state.imagery,
    notify,
    onChanged: async (id) => {
      await Promise.all([selectAlert(id), loadAlerts(), loadChart()]);
    },
    onClose: closeAlert,
  });

  state.mapCtl?.map.on('moveend', debounce(loadAlerts, 300));
  await loadZones();
  if (config.tiles && state.mapCtl) loadBaseImagery();
  await Promise.all([loadAlerts(), loadChart()]);
}

async function boot() {
  setLang(storedLang() ?? 'es');
  renderSheetToggle();
  try {
    const user = await API.me();
    await signedIn(user);
  } catch (err) {
    if (err.status !== 401) notify(err.message, 'error');
    if (!state.user) showLogin();
  }
}

applyI18n(document);
boot();
