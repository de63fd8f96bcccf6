// Talking to the Centinela API. The session lives in an HttpOnly cookie the page cannot read; the CSRF
// token it gets at login (or from /api/me) goes in a header on every non-GET request, so another site
// cannot make a logged-in browser change an alert.

import { t } from './i18n.js';

let csrfToken = null;
const unauthorizedHandlers = [];

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

// Offline areas (issue #19: offline, offline.js): when the network fails, a GET may be answered from the data a
// ranger saved on the phone. answer(path, method) returns the data, undefined (nothing kept: the usual network
// error) or throws an ApiError; reached() is told each time the server answers, so the page knows it is online.
let offlineHooks = null;
export function setOfflineHooks(hooks) {
  offlineHooks = hooks;
}

/** Called with the error when any request answers 401, so the page can show the login form again. */
export function onUnauthorized(fn) {
  unauthorizedHandlers.push(fn);
}

/** FastAPI answers `{detail: "text"}` or, for invalid input, `{detail: [{loc, msg}, …]}`: make it one readable line. */
export function formatDetail(detail) {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      if (d && typeof d === 'object' && 'msg' in d) {
        const where = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body' && p !== 'query').join('.') : '';
        return where ? `${where}: ${d.msg}` : d.msg;
      }
      return formatDetail(d);
    }).join('; ');
  }
  if (typeof detail === 'object') return detail.message ?? JSON.stringify(detail);
  return String(detail);
}

/**
 * One request to the API. `body` is sent as JSON. Returns the parsed JSON (or null for an empty answer);
 * throws ApiError with the server's own message, or a translated one when there is none.
 */
export async function api(path, { method = 'GET', body, signal, quiet401 = false, offline = true } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err; // a newer request replaced this one: not an error to show
    // offline: false when saving an area, so old saved data is never taken for a fresh download
    const kept = offline && offlineHooks ? await offlineHooks.answer(path, method) : undefined;
    if (kept !== undefined) return kept;
    throw new ApiError(t('error.network'), 0);
  }
  offlineHooks?.reached();
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const message = formatDetail(data?.detail) || (res.status === 401 ? t('error.session') : t('error.http', { status: res.status }));
    const error = new ApiError(message, res.status);
    if (res.status === 401 && !quiet401) for (const fn of unauthorizedHandlers) fn(error);
    throw error;
  }
  return data;
}

/** Remember the CSRF token of the current session (from login or /api/me). */
function keepSession(data) {
  csrfToken = data?.csrf_token ?? null;
  return data;
}

export async function login(username, password) {
  return keepSession(await api('/api/login', { method: 'POST', body: { username, password }, quiet401: true }));
}

export async function me() {
  return keepSession(await api('/api/me', { quiet401: true }));
}

export async function logout() {
  try {
    await api('/api/logout', { method: 'POST', quiet401: true });
  } finally {
    csrfToken = null;
  }
}

/** Build a query string, leaving out empty values so "no filter" is simply absent. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const getConfig = () => api('/api/config', { quiet401: true });
export const getZones = (params = {}, signal) => api(`/api/zones${query(params)}`, { signal });
export const getAlerts = (params, signal) => api(`/api/alerts${query(params)}`, { signal });
export const getAlert = (id) => api(`/api/alerts/${encodeURIComponent(id)}`);
export const setStatus = (id, status, note) => api(`/api/alerts/${encodeURIComponent(id)}/status`, { method: 'POST', body: { status, note } });
export const addNote = (id, text) => api(`/api/alerts/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { text } });
export const getImageryDates = (bbox) => api(`/api/imagery/dates${query({ bbox: bbox.join(',') })}`);
export const getAlertImagery = (id) => api(`/api/alerts/${encodeURIComponent(id)}/imagery`);
export const getMonthlyStats = (params, signal) => api(`/api/stats/monthly${query(params)}`, { signal });
