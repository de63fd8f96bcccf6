// Field reports (issue #19: report): in the alert panel, a ranger says what they found (a verdict, notes,
// photos, the phone's position and time). A report goes first into an outbox on the phone, then to the
// server; with no signal it waits there and is sent when the connection comes back (the `online` event, the
// next start, a retry every minute). Its id is made here, once, so sending it twice is still one report on
// the server (which answers a re-send with the stored report).
//
// Where it is kept: IndexedDB "centinela-outbox", store "reports" (report_id → the report, its photo Blobs,
// who wrote it and its state: pending, or rejected with the server's reason). A report leaves the outbox only
// when the server has it; a rejected one stays until the person discards it. Each report carries its author's
// user name and is only ever sent in that person's session (a shared phone sends nobody else's reports).

import * as API from './api.js';
import { $, clear, h } from './dom.js';
import { t, label, formatNumber, onLangChange } from './i18n.js';

const DB_NAME = 'centinela-outbox';
const STORE = 'reports';
const VERDICTS = ['mining_active', 'mining_abandoned', 'not_mining', 'not_reached'];
const FILERS = new Set(['ranger', 'analyst', 'admin']);
const DECIDERS = new Set(['analyst', 'admin']);
const MAX_PHOTOS = 8; // the server's limits (store/field.py), checked here first so nothing is lost to a 422
const MAX_PHOTO_MB = 20;
const RETRY_MS = 60_000;
const POSITION_MAX_AGE_MS = 10 * 60_000;

// --- the outbox -----------------------------------------------------------------------------------------
let dbPromise = null;
const memory = new Map(); // where IndexedDB is missing (private mode on some browsers): kept until a reload

function db() {
  if (!('indexedDB' in window)) return Promise.resolve(null);
  dbPromise ??= new Promise((resolve) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'report_id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => { dbPromise = null; resolve(null); };
  });
  return dbPromise;
}

async function run(mode, fn) {
  const d = await db();
  if (!d) return fn(null);
  const tx = d.transaction(STORE, mode);
  return new Promise((resolve, reject) => {
    let result;
    const req = fn(tx.objectStore(STORE));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

async function allReports() {
  const found = await run('readonly', (s) => (s ? s.getAll() : null));
  return found ?? [...memory.values()];
}
const putReport = (r) => run('readwrite', (s) => (s ? s.put(r) : void memory.set(r.report_id, r)));
const dropReport = (id) => run('readwrite', (s) => (s ? s.delete(id) : void memory.delete(id)));

/** A random UUID: crypto.randomUUID needs HTTPS, and a field server may be plain HTTP on a local network. */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function position(lat, lon, acc) {
  if (!Number.isFinite(Number(lat)) || !Number.isFinite(Number(lon)) || lat === null || lon === null) return null;
  const where = `${Number(lat).toFixed(5)}, ${Number(lon).toFixed(5)}`;
  return Number.isFinite(Number(acc)) && acc !== null ? `${where} (± ${formatNumber(Number(acc), 0)} m)` : where;
}

const megabytes = (bytes) => formatNumber((bytes ?? 0) / 1e6, 1);
const size = (bytes) => ((bytes ?? 0) < 1e6 ? `${formatNumber(Math.max(1, (bytes ?? 0) / 1e3), 0)} kB` : `${megabytes(bytes)} MB`);

/**
 * ctx: {notify(text, kind), user() → the signed-in user name or null, onSent(alertIds) (reload what shows them)}
 * Returns {section(props, role) → the panel's element, flush() → send what waits}.
 */
export function createReports(ctx) {
  let shown = null; // {alertId, pending (the outbox list element)} of the panel on screen
  let draft = { alertId: null, verdict: '', notes: '', files: [] };
  let fix = null; // the phone's last position: {lat, lon, accuracy, at}
  let locating = false;
  let flushing = null;

  function locate(onChange) {
    if (!('geolocation' in navigator) || locating) return;
    if (fix && Date.now() - fix.at < 60_000) return;
    locating = true;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        locating = false;
        fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, at: Date.now() };
        onChange();
      },
      () => { locating = false; onChange(); }, // refused or no fix: the report goes without a position
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    );
  }

  // --- sending ----------------------------------------------------------------------------------------
  async function send(report, csrf) {
    const form = new FormData();
    for (const key of ['report_id', 'verdict', 'notes', 'observed_at', 'lon', 'lat', 'accuracy_m']) {
      if (report[key] !== null && report[key] !== undefined && report[key] !== '') form.append(key, String(report[key]));
    }
    for (const p of report.photos) form.append('photos', p.blob, p.name);
    const res = await fetch(`/api/alerts/${encodeURIComponent(report.alert_id)}/reports`, {
      method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
    });
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    return { status: res.status, detail: API.formatDetail(data?.detail) };
  }

  /** Send every pending report of the signed-in person; stops at the first network failure (no signal). */
  function flush() {
    flushing ??= (async () => {
      const waiting = (await allReports()).filter((r) => r.state === 'pending');
      if (!waiting.length || navigator.onLine === false) return;
      let session;
      try {
        session = await API.me(); // the session's own user and CSRF token: reports go out only as their author
      } catch {
        return; // no signal, or no session yet (an offline start): the next try sends them
      }
      const mine = waiting.filter((r) => r.user === session?.user);
      const csrf = session?.csrf_token;
      if (!csrf || !mine.length) return;
      const sent = new Set();
      for (const r of mine.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)))) {
        let answer;
        try {
          answer = await send(r, csrf);
        } catch {
          break; // the connection dropped: the rest stay pending
        }
        if (answer.status === 200 || answer.status === 201) {
          await dropReport(r.report_id);
          sent.add(r.alert_id);
        } else if (answer.status === 401 || answer.status === 429 || answer.status >= 500) {
          break; // not the report's fault: try again later
        } else {
          // Refused for what it is (409: the id is taken by other content; 422: a photo or field): kept, shown.
          await putReport({ ...r, state: 'rejected', error: answer.detail || t('error.http', { status: answer.status }) });
        }
      }
      if (sent.size) {
        ctx.notify(t('report.sent'));
        await ctx.onSent([...sent]);
      }
    })().catch((err) => console.warn('field reports:', err)).finally(() => { flushing = null; renderPending(); });
    return flushing;
  }

  /** On the login form: reports still on the phone (the session ended before they went) are sent at sign-in. */
  async function loginNote() {
    const form = $('#login-form');
    if (!form) return;
    let note = $('#login-outbox', form);
    if (!note) {
      note = h('p', { id: 'login-outbox', class: 'warning', role: 'status', hidden: true });
      form.insertBefore(note, $('#login-submit', form));
    }
    let waiting = [];
    try { waiting = (await allReports()).filter((r) => r.state === 'pending'); } catch { /* nothing to say */ }
    const users = [...new Set(waiting.map((r) => r.user).filter(Boolean))].join(', ');
    note.textContent = waiting.length ? t('report.login_waiting', { n: waiting.length, users }) : '';
    note.hidden = !waiting.length;
  }
  onLangChange(() => { if ($('#login-outbox')) loginNote(); });

  window.addEventListener('online', () => flush());
  setInterval(() => { if (navigator.onLine !== false) flush(); }, RETRY_MS);

  // --- the panel --------------------------------------------------------------------------------------
  async function renderPending() {
    if (!shown) return;
    const { alertId, pending } = shown;
    const user = ctx.user();
    const waiting = (await allReports()).filter((r) => r.alert_id === alertId && r.user === user);
    if (shown?.pending !== pending) return; // the panel moved on meanwhile
    clear(pending);
    pending.hidden = !waiting.length;
    if (!waiting.length) return;
    pending.append(h('h4', { text: t('report.outbox') }));
    const list = h('ul', { class: 'entries' });
    for (const r of waiting.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))) {
      const rejected = r.state === 'rejected';
      list.append(h('li', { class: `report report-${r.state}`, dataset: { reportId: r.report_id, state: r.state } },
        h('div', { class: 'entry-meta' },
          h('span', { class: `status-badge report-state-${r.state}`, text: rejected ? t('report.rejected') : t('report.pending') }),
          ' ', label('report.verdict', r.verdict), ' · ', t('report.photos.count', { n: r.photos.length })),
        h('div', { class: 'entry-text', text: rejected ? r.error : t('report.pending.hint') }),
        rejected ? h('button', {
          type: 'button', class: 'secondary', text: t('report.discard'),
          on: { click: async () => { await dropReport(r.report_id); renderPending(); } },
        }) : null));
    }
    pending.append(list);
  }

  function reportItem(r, alertDecided, canDecide, onDecided) {
    const photos = Array.isArray(r.photos) ? r.photos : [];
    const state = r.status === 'superseded' ? t('report.superseded') : (r.stands === 'yes' ? t('report.stands') : null);
    return h('li', { class: `report report-${r.status}`, dataset: { reportId: r.report_id, state: 'sent' } },
      h('div', { class: 'entry-meta' },
        h('strong', { text: label('report.verdict', r.verdict) }), ' · ', r.author ?? '', ' · ',
        h('time', { datetime: r.observed_at ?? r.created_at ?? '', text: `${String(r.observed_at ?? r.created_at ?? '').replace('T', ' ').slice(0, 16)} UTC` }),
        state ? h('span', { class: 'muted', text: ` · ${state}` }) : null),
      r.notes ? h('div', { class: 'entry-text', text: r.notes }) : null,
      position(r.lat, r.lon, r.accuracy_m) ? h('div', { class: 'muted', text: t('report.phone_at', { pos: position(r.lat, r.lon, r.accuracy_m) }) }) : null,
      photos.length ? h('ul', { class: 'report-photos' }, photos.map((p, i) => h('li', {},
        h('a', { href: p.url, target: '_blank', rel: 'noopener', text: t('report.photo', { n: i + 1, size: size(p.size_bytes) }) }),
        position(p.exif_lat, p.exif_lon) ? h('span', { class: 'muted', text: ` · ${t('report.exif', { pos: position(p.exif_lat, p.exif_lon) })}` }) : null,
        h('code', { class: 'hash', title: 'SHA-256', text: ` ${String(p.sha256).slice(0, 12)}…` })))) : null,
      canDecide && r.status === 'current' && r.stands !== 'yes' && alertDecided ? h('button', {
        type: 'button', class: 'secondary', dataset: { stands: r.report_id }, text: t('report.mark_stands'),
        on: {
          click: async () => {
            try {
              await API.api(`/api/reports/${encodeURIComponent(r.report_id)}/stands`, { method: 'POST' });
              await onDecided();
            } catch (err) { ctx.notify(err.message, 'error'); }
          },
        },
      }) : null);
  }

  function form(alertId, onSaved) {
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const say = (message) => { error.textContent = message ?? ''; error.hidden = !message; };
    const verdicts = h('fieldset', { class: 'report-verdicts' }, h('legend', { text: t('report.verdict') }),
      VERDICTS.map((v) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'report-verdict', id: `report-verdict-${v}`, value: v, checked: draft.verdict === v }),
        ' ', t(`report.verdict.${v}`))));
    const notes = h('textarea', { id: 'report-notes', name: 'notes', rows: 3, maxlength: 5000 });
    notes.value = draft.notes;
    const photos = h('input', { id: 'report-photos', name: 'photos', type: 'file', accept: 'image/*', capture: 'environment', multiple: true });
    if (draft.files.length) {
      try { const dt = new DataTransfer(); for (const f of draft.files) dt.items.add(f); photos.files = dt.files; } catch { /* re-pick them */ }
    }
    const where = h('p', { id: 'report-position', class: 'muted' });
    const showWhere = () => {
      const p = fix && position(fix.lat, fix.lon, fix.accuracy);
      where.textContent = p ? t('report.position', { pos: p }) : (locating ? t('report.position.waiting') : t('report.position.none'));
    };
    const keep = () => {
      draft = { alertId, verdict: $('input[name="report-verdict"]:checked', verdicts)?.value ?? '', notes: notes.value, files: [...(photos.files ?? [])] };
    };
    verdicts.addEventListener('change', keep);
    notes.addEventListener('input', keep);
    photos.addEventListener('change', keep);
    const button = h('button', { id: 'report-submit', type: 'submit', class: 'primary', text: t('report.submit') });
    const el = h('form', { id: 'report-form', class: 'action-form', novalidate: true },
      h('h3', { text: t('report.title') }), verdicts,
      h('label', { for: 'report-notes', text: t('report.notes') }), notes,
      h('label', { for: 'report-photos', text: t('report.photos') }), photos,
      where, h('p', { class: 'muted', text: t('report.time') }), error, button);
    el.addEventListener('submit', async (e) => {
      e.preventDefault();
      keep();
      say(null);
      if (!draft.verdict) return say(t('report.verdict.missing'));
      if (draft.files.length > MAX_PHOTOS) return say(t('report.photos.too_many', { n: MAX_PHOTOS }));
      const big = draft.files.find((f) => f.size > MAX_PHOTO_MB * 1024 * 1024);
      if (big) return say(t('report.photos.too_big', { name: big.name, mb: megabytes(big.size), max: MAX_PHOTO_MB }));
      const recent = fix && Date.now() - fix.at < POSITION_MAX_AGE_MS ? fix : null;
      const report = {
        report_id: newId(),
        user: ctx.user(),
        alert_id: alertId,
        verdict: draft.verdict,
        notes: draft.notes.trim(),
        observed_at: new Date().toISOString(),
        lon: recent?.lon ?? null,
        lat: recent?.lat ?? null,
        accuracy_m: recent ? Math.round(recent.accuracy * 10) / 10 : null,
        photos: draft.files.map((f) => ({ name: f.name, type: f.type, size: f.size, blob: f })),
        state: 'pending',
        error: null,
        created_at: new Date().toISOString(),
      };
      button.disabled = true;
      try {
        await putReport(report); // on the phone first: nothing is lost if the send fails
      } catch (err) {
        button.disabled = false;
        return say(err.message);
      }
      draft = { alertId, verdict: '', notes: '', files: [] };
      el.reset();
      button.disabled = false;
      ctx.notify(t('report.saved'));
      await onSaved();
      flush();
    });
    locate(showWhere);
    showWhere();
    return el;
  }

  /** The panel's field-report section for an alert's properties `p` and the person's `role`. */
  function section(p, role, onDecided = async () => {}) {
    const alertId = p.alert_id;
    if (draft.alertId !== alertId) draft = { alertId, verdict: '', notes: '', files: [] };
    const reports = Array.isArray(p.field_reports) ? p.field_reports : [];
    const pending = h('div', { id: 'report-outbox', class: 'report-outbox', hidden: true });
    shown = { alertId, pending };
    const el = h('section', { id: 'report-section', class: 'subsection' });
    if (FILERS.has(role)) el.append(form(alertId, renderPending));
    el.append(pending, h('h3', { text: t('report.list') }));
    if (p.field_conflict) el.append(h('p', { id: 'report-conflict', class: 'warning', role: 'status', text: t('report.conflict') }));
    el.append(reports.length
      ? h('ul', { id: 'report-list', class: 'entries' }, reports.map((r) => reportItem(r, Boolean(p.field_conflict), DECIDERS.has(role), onDecided)))
      : h('p', { id: 'report-list', class: 'muted', text: t('report.list.empty') }));
    renderPending();
    return el;
  }

  return { section, flush, loginNote, forget: () => { shown = null; } };
}
