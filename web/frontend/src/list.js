// The alerts in view as a plain list of buttons: the keyboard and screen-reader way to reach an alert
// (a map is a picture to them), and the whole page's way in when a browser cannot start WebGL.

import { clear, h } from './dom.js';
import { t, label, formatNumber } from './i18n.js';

const SHOWN = 200; // a longer list is no use to a person; the map and filters narrow it down

const num = (v) => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? -1 : Number(v));

/**
 * What a ranger checks first: mining before other causes, then the likeliest (probability of mining), then the
 * largest, then the newest.
 */
export function fieldOrder(a, b) {
  const p = a.properties ?? {};
  const q = b.properties ?? {};
  return (q.cause === 'mining') - (p.cause === 'mining')
    || num(q.mining_prob) - num(p.mining_prob)
    || num(q.area_ha) - num(p.area_ha)
    || String(q.first_seen ?? '').localeCompare(String(p.first_seen ?? ''));
}

/** features: the FeatureCollection's features; onPick(id) opens one; isNew(feature) marks what arrived lately. */
export function renderAlertList(container, features, onPick, isNew = () => false) {
  clear(container);
  const sorted = [...features].sort(fieldOrder);
  const list = h('ol', { id: 'alert-list', class: 'alert-list' });
  for (const f of sorted.slice(0, SHOWN)) {
    const p = f.properties ?? {};
    list.append(h('li', {},
      h('button', {
        type: 'button', class: 'alert-item', dataset: { alertId: p.alert_id },
        on: { click: () => onPick(p.alert_id) },
      },
      h('span', { class: `dot cause-${p.cause} status-${p.status}`, 'aria-hidden': 'true' }),
      h('span', { class: 'alert-item-text' },
        h('strong', { text: p.alert_id }, isNew(f) ? h('span', { class: 'badge-new', text: ` ${t('whatsnew.badge')}` }) : null),
        h('small', { text: [String(p.first_seen ?? '').slice(0, 10), t('panel.area.value', { ha: formatNumber(p.area_ha, 1) }), label('cause', p.cause), label('status', p.status)].join(' · ') })))));
  }
  container.append(list);
  if (sorted.length > SHOWN) container.append(h('p', { class: 'hint', text: t('whatsnew.list.more', { n: SHOWN }) }));
}
