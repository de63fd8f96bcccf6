// Filter controls: status, cause, confidence and a month range on first detection. The month range is
// two range inputs (#time-from, #time-to) rather than one two-thumb widget because native inputs work
// with keyboards, screen readers and touch without any library.

import { api, query } from './api.js';
import { $, clear, h } from './dom.js';
import { t, label, formatMonth, getLang } from './i18n.js';
import { STATUSES, CAUSES, CONFIDENCES } from './styles.js';

// What is new (issue #19): by default the page shows the unreviewed alerts (new or under review) that reached the
// store since the person's last visit (kept per user on this device), or in the last 30 days on a first visit.
export const UNREVIEWED = ['new', 'under_review'];
const DAY_MS = 86400000;
const VISIT_GAP_MS = 3600000; // a reload within an hour is the same visit: it must not empty "what is new"
const EXPORT_FORMATS = ['gpx', 'kml', 'kmz', 'csv', 'geojson', 'gpkg']; // every format /api/export writes

function stored(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function store(key, value) {
  try { localStorage.setItem(key, value); } catch { /* private mode: the default applies next time */ }
}
const validDate = (text) => (text && !Number.isNaN(Date.parse(text)) ? new Date(text) : null);

/**
 * The start of this user's previous visit (or null), and record this one. A visit starts when the page opens more
 * than an hour after the last time it did; within the hour, the previous visit stays the reference.
 */
export function lastVisit(user, now = new Date()) {
  const key = `centinela.visit.${user ?? ''}`;
  let seen = {};
  try { seen = JSON.parse(stored(key) ?? '{}') ?? {}; } catch { seen = {}; }
  const current = validDate(seen.current);
  let previous = validDate(seen.previous);
  if (!current || now - current > VISIT_GAP_MS) {
    previous = current;
    store(key, JSON.stringify({ previous: previous?.toISOString() ?? null, current: now.toISOString() }));
  }
  return previous;
}

const shortDate = (d) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;

/** "2024-07-15" → "2024-07". */
const monthOf = (date) => String(date).slice(0, 7);

/** All months from `first` to `last` inclusive, as "YYYY-MM". */
export function monthRange(first, last) {
  const out = [];
  let [y, m] = first.split('-').map(Number);
  const [ly, lm] = last.split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
    if (out.length > 600) break; // fifty years: a wrong config must not hang the page
  }
  return out;
}

/** Last day of a "YYYY-MM" month, as a date string. */
export function monthEnd(month) {
  const [y, m] = month.split('-').map(Number);
  const day = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(day).padStart(2, '0')}`;
}

function defaultMonths(config) {
  const today = new Date();
  const last = config?.last_date ? monthOf(config.last_date) : `${today.getUTCFullYear()}-${String(today.getUTCMonth() + 1).padStart(2, '0')}`;
  let first = config?.first_date ? monthOf(config.first_date) : null;
  if (!first || first > last) {
    const [y, m] = last.split('-').map(Number);
    const d = new Date(Date.UTC(y, m - 12, 1));
    first = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  }
  return monthRange(first, last);
}

export function createFilters(config, onChange, user = null) {
  const status = $('#filter-status');
  const cause = $('#filter-cause');
  const confidence = $('#filter-confidence');
  const from = $('#time-from');
  const to = $('#time-to');
  const rangeLabel = $('#time-label');
  const months = defaultMonths(config);

  const previousVisit = lastVisit(user);
  const newSince = previousVisit ?? new Date(Date.now() - 30 * DAY_MS);
  const areaKey = `centinela.area.${user ?? ''}`;
  // The monitored area the person chose last (kept per user), or the map's view when none is chosen.
  const area = h('select', { id: 'filter-area', name: 'area' });
  const areaLabel = h('label', { for: 'filter-area', id: 'filter-area-label' });
  const areaField = h('div', { class: 'field', hidden: true }, areaLabel, area);
  $('.filter-grid')?.append(areaField);
  let areaNames = [];
  const newOnly = h('input', { type: 'checkbox', id: 'filter-new', checked: true });
  const newLabel = h('label', { for: 'filter-new', id: 'filter-new-label' });
  $('#time-slider')?.after(h('div', { class: 'toggle whatsnew-toggle' }, newOnly, newLabel));
  let summaryController = null;

  from.min = '0'; from.max = String(months.length - 1); from.value = '0';
  to.min = '0'; to.max = String(months.length - 1); to.value = String(months.length - 1);

  function fillSelect(select, prefix, values) {
    const chosen = select.value;
    clear(select);
    select.append(h('option', { value: '', text: t('filters.all') }));
    for (const v of values) select.append(h('option', { value: v, text: label(prefix, v) }));
    select.value = chosen;
  }

  function renderLabels() {
    fillSelect(status, 'status', STATUSES);
    status.insertBefore(h('option', { value: 'unreviewed', text: t('whatsnew.status.unreviewed') }), status.options[1] ?? null);
    status.value = status.dataset.chosen ?? 'unreviewed';
    const chosenArea = area.value || stored(areaKey) || '';
    clear(area).append(h('option', { value: '', text: t('whatsnew.area.view') }),
      ...areaNames.map((n) => h('option', { value: n, text: n })));
    area.value = areaNames.includes(chosenArea) ? chosenArea : '';
    areaLabel.textContent = t('whatsnew.area');
    newLabel.textContent = previousVisit
      ? t('whatsnew.only.visit', { date: shortDate(newSince) })
      : t('whatsnew.only.days', { date: newSince.toISOString().slice(0, 10) });
    fillSelect(cause, 'cause', CAUSES);
    fillSelect(confidence, 'confidence', CONFIDENCES);
    const a = months[Number(from.value)];
    const b = months[Number(to.value)];
    rangeLabel.textContent = t('filters.range', { from: formatMonth(a), to: formatMonth(b) });
    from.setAttribute('aria-valuetext', formatMonth(a));
    to.setAttribute('aria-valuetext', formatMonth(b));
  }

  // Dragging a slider fires many input events: redraw the label at once, query the server only once it rests.
  let timer = null;
  function changed(immediate) {
    renderLabels();
    clearTimeout(timer);
    timer = setTimeout(onChange, immediate ? 0 : 350);
  }
  // Keep from ≤ to by pushing the other thumb, which is what people expect when they cross them.
  from.addEventListener('input', () => {
    if (Number(from.value) > Number(to.value)) to.value = from.value;
    changed(false);
  });
  to.addEventListener('input', () => {
    if (Number(to.value) < Number(from.value)) from.value = to.value;
    changed(false);
  });
  // Remembered before the redraw that each change triggers (the redraw rebuilds the options).
  status.addEventListener('change', () => { status.dataset.chosen = status.value; });
  for (const select of [status, cause, confidence]) select.addEventListener('change', () => changed(true));
  area.addEventListener('change', () => { store(areaKey, area.value); changed(true); });
  newOnly.addEventListener('change', () => changed(true));

  renderLabels();
  // Monitored areas, if the store has any: the list is small, and choosing one narrows alerts to what it reported.
  api('/api/areas').then((areas) => {
    areaNames = (Array.isArray(areas) ? areas : []).map((a) => a?.name).filter((n) => typeof n === 'string');
    areaField.hidden = areaNames.length === 0;
    const before = area.value;
    renderLabels();
    if (area.value !== before) changed(true);
  }).catch(() => { /* no areas: the map's view is the area */ });

  /** The filters but the status (the list asks once per status when it is "unreviewed"). */
  function baseParams() {
    return {
      since: `${months[Number(from.value)]}-01`,
      until: monthEnd(months[Number(to.value)]),
      cause: cause.value,
      confidence: confidence.value,
      area: area.value,
    };
  }
  const statuses = () => (status.value === 'unreviewed' ? UNREVIEWED : [status.value]);
  /** Whether an alert reached the store since the last visit (its created_at). */
  const isNew = (f) => {
    const at = Date.parse(String(f?.properties?.created_at ?? ''));
    return Number.isFinite(at) && at >= newSince.getTime();
  };

  let exportExtra = null;
  function renderExports(extra) {
    const box = $('#export-links');
    exportExtra = extra;
    if (!box) return;
    const only = status.value === 'unreviewed' ? '' : status.value;
    clear(box).append(
      h('h3', { text: t('whatsnew.export') }),
      h('div', { class: 'button-row' }, EXPORT_FORMATS.map((format) => h('a', {
        class: 'button secondary', id: `export-${format}`, download: '',
        href: `/api/export${query({ ...extra, ...baseParams(), status: only, format, lang: getLang() })}`,
        text: format.toUpperCase(),
      }))),
      h('p', { class: 'hint', text: t('whatsnew.export.hint') }));
  }

  function renderSummary(box, s) {
    clear(box);
    const since = previousVisit ? shortDate(newSince) : newSince.toISOString().slice(0, 10);
    if (!s || !s.total) {
      box.append(h('p', { class: 'whatsnew-line', text: t('whatsnew.line.none', { since }) }));
      return;
    }
    const zones = (s.zones ?? []).slice(0, 4).map((z) => t('whatsnew.line.zone', { n: z.n, zone: z.zone }));
    if (s.outside_zones) zones.push(t('whatsnew.line.outside', { n: s.outside_zones }));
    box.append(h('p', { class: 'whatsnew-line' },
      h('strong', { text: t('whatsnew.line.total', { n: s.total, since, mining: s.mining }) }),
      zones.length ? `: ${zones.join(' · ')}` : ''));
  }

  let lastSummary = null;
  return {
    renderLabels() {
      renderLabels();
      const box = $('#whatsnew');
      if (box && lastSummary) renderSummary(box, lastSummary);
      if (exportExtra) renderExports(exportExtra); // texts and the lang= of the links
    },
    /** The filter part of /api/alerts' query (status: one of them; "unreviewed" is asked as two, see fetchAlerts). */
    params() {
      return { ...baseParams(), status: status.value === 'unreviewed' ? '' : status.value };
    },
    isNew,
    /**
     * The alerts for the list and the map: one request per chosen status, merged, and only those that arrived since
     * the last visit when that box is ticked. Returns {features, numberMatched (null when not known)}.
     */
    async fetchAlerts(getAlerts, extra, signal) {
      const answers = await Promise.all(statuses().map((st) => getAlerts({ ...extra, ...baseParams(), status: st }, signal)));
      let features = answers.flatMap((a) => (Array.isArray(a?.features) ? a.features : []));
      const matched = answers.every((a) => Number.isFinite(a?.numberMatched)) ? answers.reduce((n, a) => n + a.numberMatched, 0) : null;
      const complete = matched !== null && matched === features.length;
      if (newOnly.checked) features = features.filter(isNew);
      renderExports({ bbox: extra.bbox });
      return { features, numberMatched: newOnly.checked ? (complete ? features.length : null) : matched };
    },
    /** The "what is new" line for the same filters (the server counts what this user may see). */
    async renderWhatsNew(extra) {
      const box = $('#whatsnew');
      if (!box) return;
      summaryController?.abort();
      const controller = new AbortController();
      summaryController = controller;
      try {
        const s = await api(`/api/alerts/summary${query({ ...extra, ...baseParams(), new_since: newSince.toISOString() })}`, { signal: controller.signal });
        if (controller.signal.aborted) return;
        lastSummary = s;
        renderSummary(box, s);
        // The phone's folded sheet repeats the count, so a ranger sees what is new without opening it.
        document.dispatchEvent(new CustomEvent('centinela:whatsnew', { detail: { total: s?.total ?? 0, mining: s?.mining ?? 0 } }));
      } catch (err) {
        if (err.name !== 'AbortError' && err.status !== 401) box.textContent = err.message;
      }
    },
    /** The months currently chosen (for the chart's x axis). */
    months() {
      return months.slice(Number(from.value), Number(to.value) + 1);
    },
  };
}
