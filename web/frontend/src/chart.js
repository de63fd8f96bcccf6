// A small stacked bar chart in plain SVG: hectares detected per month, stacked by zone kind. Drawn by hand
// because it is one chart and a chart library would weigh more than the rest of the page's own code.

import { clear, h, s } from './dom.js';
import { t, label, formatMonth, formatNumber } from './i18n.js';
import { ZONE_KINDS, ZONE_STYLES, ZONE_FALLBACK_CHART, CHART_EXCLUDED_KINDS } from './styles.js';

const W = 340;
const H = 190;
const M = { top: 10, right: 8, bottom: 34, left: 44 };

/** A round axis maximum and step: 1, 2 or 5 times a power of ten, about four ticks. */
function niceScale(max) {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const rough = max / 4;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((k) => k * pow).find((v) => v >= rough);
  return { top: Math.ceil(max / step) * step, step };
}

// The server's monthly statistics also list, per zone layer, the part of each alert outside that layer
// (zone "(fuera / outside)", see centinela.zones.stats.OUTSIDE). Stacking those would count every alert
// once per layer, so the chart shows only what lies inside zones.
const isOutside = (zone) => typeof zone === 'string' && /^\(.*outside\)$/i.test(zone.trim());

const kindKey = (kind) => (kind === null || kind === undefined || kind === '' || kind === 'none' ? 'none' : kind);
const kindColor = (kind) => ZONE_STYLES[kind]?.chart ?? ZONE_FALLBACK_CHART;

/**
 * Draw into `container`. `rows` is /api/stats/monthly's answer; `months` the x axis (every month of the
 * chosen range, so gaps show as empty months rather than vanishing); `cause` the cause filter, if any.
 */
export function renderChart(container, rows, months, cause) {
  clear(container);
  const table = new Map(months.map((m) => [m, new Map()]));
  const kindsSeen = new Set();
  for (const r of rows ?? []) {
    if (cause && r.cause !== cause) continue;
    if (isOutside(r.zone) || CHART_EXCLUDED_KINDS.includes(r.zone_kind)) continue;
    const month = String(r.month).slice(0, 7);
    if (!table.has(month)) continue;
    const kind = kindKey(r.zone_kind);
    const ha = Number(r.hectares) || 0;
    if (ha <= 0) continue;
    kindsSeen.add(kind);
    const byKind = table.get(month);
    byKind.set(kind, (byKind.get(kind) ?? 0) + ha);
  }
  // Known kinds in their fixed order (stable colours and stacking), then any others, "outside zones" last.
  const extra = [...kindsSeen].filter((k) => !ZONE_KINDS.includes(k) && k !== 'none').sort();
  const kinds = [...ZONE_KINDS.filter((k) => kindsSeen.has(k)), ...extra, ...(kindsSeen.has('none') ? ['none'] : [])];

  const caption = h('p', { class: 'chart-caption', text: t('chart.caption', { cause: cause ? t('chart.caption.cause', { cause: label('cause', cause) }) : '' }) });
  let total = 0;
  let max = 0;
  for (const byKind of table.values()) {
    const sum = [...byKind.values()].reduce((a, b) => a + b, 0);
    total += sum;
    max = Math.max(max, sum);
  }
  if (!months.length || total === 0) {
    container.append(h('p', { class: 'chart-empty', text: t('chart.empty') }), caption);
    return;
  }

  const { top, step } = niceScale(max);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v) => M.top + plotH - (v / top) * plotH;
  const band = plotW / months.length;
  const barW = Math.max(2, band * 0.72);

  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart-svg',
    'aria-label': t('chart.aria', { from: formatMonth(months[0]), to: formatMonth(months[months.length - 1]), total: formatNumber(total, 1) }),
  });
  // Horizontal grid lines with their values in hectares.
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(
      s('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }),
      s('text', { x: M.left - 4, y: y(v) + 3, class: 'tick', 'text-anchor': 'end' }, formatNumber(v, step < 1 ? 1 : 0)),
    );
  }
  svg.append(s('text', { x: 2, y: M.top + 2, class: 'tick unit', 'dominant-baseline': 'hanging' }, t('chart.unit')));

  // Label at most ~7 months so the labels never overlap on a phone.
  const every = Math.max(1, Math.ceil(months.length / 7));
  let lastLabelEnd = -Infinity;
  months.forEach((month, i) => {
    const x = M.left + i * band + (band - barW) / 2;
    let base = 0;
    for (const kind of kinds) {
      const ha = table.get(month).get(kind) ?? 0;
      if (ha <= 0) continue;
      svg.append(s('rect', {
        x: x.toFixed(2), y: y(base + ha).toFixed(2), width: barW.toFixed(2), height: Math.max(0.5, y(base) - y(base + ha)).toFixed(2),
        fill: kindColor(kind), class: 'bar', dataset: { month, kind },
      }, s('title', {}, t('chart.bar', { month: formatMonth(month), kind: label('zone', kind), ha: formatNumber(ha, 1) }))));
      base += ha;
    }
    if (i % every === 0) {
      // Centre each label under its bar, but keep the first and last inside the picture, and drop one that
      // would touch its neighbour (labels are about 40 units wide at this font size).
      const cx = M.left + i * band + band / 2;
      const half = 21;
      const [x, anchor, left] = cx + half > W ? [W - 1, 'end', W - 1 - 2 * half] : cx - half < 0 ? [1, 'start', 1] : [cx, 'middle', cx - half];
      if (left >= lastLabelEnd + 3) {
        svg.append(s('text', { x: x.toFixed(2), y: H - M.bottom + 14, class: 'tick', 'text-anchor': anchor }, formatMonth(month)));
        lastLabelEnd = left + 2 * half;
      }
    }
  });

  const legend = h('ul', { class: 'chart-legend' },
    kinds.map((kind) => h('li', {},
      h('span', { class: 'swatch', style: { background: kindColor(kind) }, 'aria-hidden': 'true' }),
      label('zone', kind))));
  container.append(svg, legend, caption);
}
