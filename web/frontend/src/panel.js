// The alert panel: what a ranger needs in the field (where, how big, since when, how to get there) and
// what a prosecutor needs (history, notes, evidence), plus the actions the person's role allows.

import { addNote, setStatus } from './api.js';
import { $, clear, h } from './dom.js';
import { t, label, formatNumber, getLang } from './i18n.js';
import { goThere } from './geo.js';

/** The legal verdict's sentence with its caveats, in the page's language when the API gave both. */
export function legalCaveat(p) {
  const sentences = p?.legal?.sentences;
  return (sentences && sentences[getLang()]) || p?.legal?.sentence || p?.legal_caveat || null;
}

/** "2024-07-03T14:22:10+00:00" → "2024-07-03 14:22 UTC"; a plain date stays as it is. */
export function formatDateTime(value) {
  if (!value) return t('panel.none');
  const text = String(value);
  if (!/T|\d:\d/.test(text)) return text.slice(0, 10);
  const d = new Date(text.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) return text;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** An audit entry's detail ({"status": ["new", "under_review"]} or its JSON text) as a short line. */
export function formatDetail(detail) {
  if (detail === null || detail === undefined || detail === '') return '';
  let d = detail;
  if (typeof d === 'string') {
    try { d = JSON.parse(d); } catch { return d; }
  }
  if (typeof d !== 'object') return String(d);
  const show = (key, v) => {
    if (v === null || v === undefined) return t('panel.none');
    if (key === 'status') return label('status', v);
    if (key === 'cause') return label('cause', v);
    if (typeof v === 'number') return formatNumber(v, Number.isInteger(v) ? 0 : 2);
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  return Object.entries(d).map(([key, v]) => {
    if (Array.isArray(v) && v.length === 2) {
      if (key === 'note') return show(key, v[1]);
      const name = label('field', key);
      return v[0] === null || v[0] === undefined ? `${name}: ${show(key, v[1])}` : `${name}: ${show(key, v[0])} → ${show(key, v[1])}`;
    }
    return `${label('field', key)}: ${show(key, v)}`;
  }).join(' · ');
}

/** Copy text; the Clipboard API needs HTTPS or localhost, so fall back to a hidden field on plain HTTP. */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const field = h('textarea', { readonly: true, class: 'offscreen' });
  field.value = text;
  document.body.append(field);
  field.select();
  const ok = document.execCommand('copy');
  field.remove();
  if (!ok) throw new Error('copy failed');
}

function fact(name, value, testid) {
  return [h('dt', { text: name }), h('dd', { dataset: testid ? { testid } : undefined }, value ?? t('panel.none'))];
}

/**
 * ctx: {panel (the #alert-panel element), role, imagery (from createImagery, or null when tiles are off),
 *       notify(text, kind), onChanged(id) (reload after a change), onClose()}
 */
export function createPanel(ctx) {
  const panel = ctx.panel;
  const body = $('#alert-body', panel);
  const idEl = $('#alert-id', panel);
  let feature = null;
  let role = ctx.role;

  $('#alert-close', panel).addEventListener('click', () => ctx.onClose());

  function formError(form, message) {
    const el = $('.form-error', form);
    el.textContent = message ?? '';
    el.hidden = !message;
  }

  function statusForm(id, allowed) {
    const select = h('select', { id: 'status-select', name: 'status', required: true },
      allowed.map((st) => h('option', { value: st, text: label('status', st) })));
    const note = h('input', { id: 'status-note', name: 'note', type: 'text', autocomplete: 'off', maxlength: 2000 });
    const button = h('button', { id: 'status-submit', type: 'submit', class: 'primary', text: t('panel.status.submit') });
    const form = h('form', { id: 'status-form', class: 'action-form', novalidate: true },
      h('h3', { text: t('panel.status.change') }),
      h('label', { for: 'status-select', text: t('panel.status.new') }), select,
      h('label', { for: 'status-note', text: t('panel.status.note') }), note,
      h('p', { class: 'form-error', role: 'alert', hidden: true }),
      button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError(form, null);
      button.disabled = true;
      try {
        await setStatus(id, select.value, note.value.trim() || null);
        ctx.notify(t('panel.status.done'));
        await ctx.onChanged(id);
      } catch (err) {
        formError(form, err.message);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  function noteForm(id) {
    const text = h('textarea', { id: 'note-text', name: 'text', rows: 3, maxlength: 5000 });
    const button = h('button', { id: 'note-submit', type: 'submit', class: 'primary', text: t('panel.note.submit') });
    const form = h('form', { id: 'note-form', class: 'action-form', novalidate: true },
      h('h3', { text: t('panel.note.add') }),
      h('label', { for: 'note-text', text: t('panel.note.text') }), text,
      h('p', { class: 'form-error', role: 'alert', hidden: true }),
      button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formError(form, null);
      if (!text.value.trim()) {
        formError(form, t('panel.note.empty'));
        return;
      }
      button.disabled = true;
      try {
        await addNote(id, text.value.trim());
        text.value = '';
        ctx.notify(t('panel.note.done'));
        await ctx.onChanged(id);
      } catch (err) {
        formError(form, err.message);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  function render() {
    if (!feature) return;
    // Keep what the person was typing when the panel redraws (language switch, reload after a change).
    const draft = { note: $('#note-text', body)?.value ?? '', statusNote: $('#status-note', body)?.value ?? '' };
    const p = feature.properties ?? {};
    const id = p.alert_id;
    idEl.textContent = id;
    clear(body);

    const facts = h('dl', { class: 'facts' },
      fact(t('panel.status'), h('span', { class: `status-badge status-${p.status}`, text: label('status', p.status) }), 'alert-status'),
      fact(t('panel.cause'), label('cause', p.cause)),
      fact(t('panel.confidence'), label('confidence', p.confidence)),
      fact(t('panel.first_seen'), p.first_seen ? String(p.first_seen).slice(0, 10) : null),
      fact(t('panel.confirmed'), p.confirmed ? String(p.confirmed).slice(0, 10) : null),
      fact(t('panel.area'), p.area_ha !== null && p.area_ha !== undefined ? t('panel.area.value', { ha: formatNumber(p.area_ha, 2) }) : null),
      fact(t('panel.assignee'), p.assignee || null),
      fact(t('panel.zones'), p.zones || null),
      // legal_label is the readable form of legal_status (a code); either may be missing.
      p.legal_label || p.legal_status ? fact(t('panel.legal_status'), p.legal_label || p.legal_status) : null,
      p.legal_reasons ? fact(t('panel.legal_reasons'), h('span', { class: 'long-text', text: p.legal_reasons })) : null,
      // The verdict never shows without its caveats: instrument and article, verification, zone layer.
      legalCaveat(p) ? fact(t('panel.legal_caveat'), h('span', { class: 'long-text', text: legalCaveat(p) }), 'legal-caveat') : null,
      p.reasons ? fact(t('panel.reasons'), h('span', { class: 'long-text', text: Array.isArray(p.reasons) ? p.reasons.join('; ') : String(p.reasons) })) : null,
    );
    body.append(h('h3', { text: t('panel.facts') }), facts);
    // Shown from the copy kept on the phone (offline.js): say how old it is, and that nothing can be changed.
    if (p.offline_saved_at) body.append(h('p', { id: 'alert-offline', class: 'warning', text: t('offline.panel', { date: p.offline_saved_at }) }));

    // Where it is, in every form a ranger's GPS or phone takes, and links to the maps apps (geo.js).
    const go = goThere(p, copyText, ctx.notify);
    if (go) body.append(go);

    if (p.evidence_url) {
      body.append(h('p', {}, h('a', {
        id: 'evidence-link', class: 'button primary', href: p.evidence_url, download: '', text: t('panel.evidence'),
      })));
    }

    if (ctx.imagery) {
      const section = h('section', { id: 'imagery-section', class: 'subsection' });
      body.append(section);
      ctx.imagery.show(section, feature);
    }

    const allowed = Array.isArray(p.allowed_transitions) ? p.allowed_transitions : [];
    if (allowed.length) body.append(statusForm(id, allowed));
    // Rangers, analysts and admins may write notes; viewers only read (the server checks this too).
    if (role && role !== 'viewer') body.append(noteForm(id));
    // Field reports (issue #19: report): the form for roles that may file, the alert's reports, the phone's outbox.
    if (ctx.reports) body.append(ctx.reports.section(p, role, () => ctx.onChanged(id)));
    const noteEl = $('#note-text', body);
    if (noteEl) noteEl.value = draft.note;
    const statusNoteEl = $('#status-note', body);
    if (statusNoteEl) statusNoteEl.value = draft.statusNote;

    const notes = Array.isArray(p.notes) ? p.notes : [];
    body.append(h('h3', { text: t('panel.notes') }),
      notes.length
        ? h('ul', { id: 'notes-list', class: 'entries' }, notes.map((n) => h('li', {},
          h('div', { class: 'entry-meta' }, h('time', { datetime: n.at ?? '', text: formatDateTime(n.at) }), ' · ', n.actor ?? ''),
          h('div', { class: 'entry-text', text: n.text ?? '' }))))
        : h('p', { id: 'notes-list', class: 'muted', text: t('panel.notes.empty') }));

    const history = Array.isArray(p.history) ? [...p.history].sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0)) : [];
    body.append(h('h3', { text: t('panel.history') }),
      h('ol', { id: 'history-list', class: 'entries', reversed: true },
        history.length
          ? history.map((e) => h('li', { dataset: { seq: String(e.seq ?? '') } },
            h('div', { class: 'entry-meta' }, h('time', { datetime: e.at ?? '', text: formatDateTime(e.at) }), ' · ', e.actor ?? ''),
            h('div', { class: 'entry-text' }, h('strong', { text: label('action', e.action) }), ' ', formatDetail(e.detail))))
          : h('li', { class: 'muted', text: t('panel.history.empty') })));
  }

  return {
    get id() { return feature?.properties?.alert_id ?? null; },
    setRole(r) { role = r; },
    loading(id) {
      panel.hidden = false;
      idEl.textContent = id;
      if (feature?.properties?.alert_id !== id) {
        feature = null;
        clear(body).append(h('p', { class: 'muted', text: t('panel.loading') }));
      }
      panel.setAttribute('aria-busy', 'true');
    },
    show(f) {
      feature = f;
      panel.hidden = false;
      panel.removeAttribute('aria-busy');
      render();
    },
    error(message) {
      panel.removeAttribute('aria-busy');
      clear(body).append(h('p', { class: 'form-error', role: 'alert', text: message }));
    },
    hide() {
      feature = null;
      panel.hidden = true;
      panel.removeAttribute('aria-busy');
      clear(body);
      idEl.textContent = '';
      ctx.imagery?.reset();
    },
    render,
  };
}
