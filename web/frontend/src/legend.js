// Layer toggles and the legend, in one list (the causes' colours are the bulletin's: styles.applyPalette): the switch for a zone layer sits next to its swatch, so a
// person learns what a colour means where they turn it on or off.

import { clear, h } from './dom.js';
import { t, label } from './i18n.js';
import { CAUSES, CAUSE_COLORS, STATUSES, STATUS_COLORS, ZONE_KINDS, ZONE_STYLES } from './styles.js';

/**
 * state: {zoneKinds: {kind: anyIllustrative}, zoneVisible: {kind: bool}, baseDate, baseVisible}
 * handlers: {onZoneToggle(kind, visible), onBaseToggle(visible)}
 */
export function renderLegend(container, state, handlers) {
  clear(container);

  if (state.baseDate) {
    container.append(h('div', { class: 'toggle' },
      h('input', {
        type: 'checkbox', id: 'layer-base', checked: state.baseVisible, dataset: { testid: 'layer-base' },
        on: { change: (e) => handlers.onBaseToggle(e.target.checked) },
      }),
      h('label', { for: 'layer-base' }, t('layers.base'), ' ', h('small', { text: `(${t('layers.base.date', { date: state.baseDate })})` }))));
  }

  const kinds = ZONE_KINDS.filter((k) => k in state.zoneKinds);
  if (kinds.length) {
    container.append(h('h3', { text: t('layers.zones') }));
    const list = h('ul', { class: 'legend-list' });
    for (const kind of kinds) {
      const st = ZONE_STYLES[kind];
      const illustrative = state.zoneKinds[kind];
      const id = `layer-zone-${kind}`;
      list.append(h('li', { class: 'toggle' },
        h('input', {
          type: 'checkbox', id, checked: state.zoneVisible[kind] !== false, dataset: { testid: `layer-${kind}` },
          on: { change: (e) => handlers.onZoneToggle(kind, e.target.checked) },
        }),
        h('label', { for: id },
          h('span', {
            class: `swatch zone${illustrative ? ' dashed' : ''}`, 'aria-hidden': 'true',
            style: { background: st.fillOpacity > 0 ? st.fill : 'transparent', 'border-color': st.line },
          }),
          label('zone', kind),
          illustrative ? h('em', { class: 'illustrative', text: ` (${t('zone.illustrative')})` }) : null)));
    }
    container.append(list);
    if (kinds.some((k) => state.zoneKinds[k])) container.append(h('p', { class: 'hint', text: t('zone.illustrative.long') }));
  }

  container.append(h('h3', { text: t('layers.alerts.fill') }),
    h('ul', { class: 'legend-list compact' }, CAUSES.map((c) => h('li', {},
      h('span', { class: 'swatch', 'aria-hidden': 'true', dataset: { cause: c }, style: { background: CAUSE_COLORS[c] } }), label('cause', c)))));
  container.append(h('h3', { text: t('layers.alerts.line') }),
    h('ul', { class: 'legend-list compact' }, STATUSES.map((st) => h('li', {},
      h('span', { class: 'swatch outline', 'aria-hidden': 'true', style: { 'border-color': STATUS_COLORS[st] } }), label('status', st)))));
}
