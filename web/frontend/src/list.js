// The alerts in view as a plain list of buttons: the keyboard and screen-reader way to reach an alert
// (a map is a picture to them), and the whole page's way in when a browser cannot start WebGL.

import { clear, h } from './dom.js';
import { t, label, formatNumber } from './i18n.js';

const SHOWN = 200; // a longer list is no use to a person; the map and filters narrow it down

/** features: the FeatureCollection's features; onPick(id) opens one. */
export function renderAlertList(container, features, onPick) {
  clear(container);
  const sorted = [...features].sort((a, b) => String(b.properties?.first_seen ?? '').localeCompare(String(a.properties?.first_seen ?? '')));
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
        h('strong', { text: p.alert_id }),
        h('small', { text: [String(p.first_seen ?? '').slice(0, 10), t('panel.area.value', { ha: formatNumber(p.area_ha, 1) }), label('cause', p.cause), label('status', p.status)].join(' · ') })))));
  }
  container.append(list);
  if (sorted.length > SHOWN) container.append(h('p', { class: 'hint', text: t('list.more', { n: SHOWN }) }));
}
