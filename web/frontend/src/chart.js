// A small stacked bar chart in plain SVG: hectares detected per month, stacked by cause in the bulletin's colours,
// with every alert counted once (the API's total rows: the alerts' area_ha, as the bulletin sums them). Below it,
// hectares inside each zone kind: zones overlap (an alert in a buffer zone and a concession lies in both), so those
// are a breakdown, never stacked into the total. Drawn by hand because it is one chart and a chart library would
// weigh more than the rest of the page's own code.

import { clear, h, s } from './dom.js';
import { t, label, formatMonth, formatNumber } from './i18n.js';
import { CAUSES, CAUSE_COLORS, CAUSE_FALLBACK, ZONE_KINDS, ZONE_STYLES, ZONE_FALLBACK_CHART, CHART_EXCLUDED_KINDS } from './styles.js';

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

// The server's zone rows also list, per zone layer, the part of each alert outside that layer (zone
// "(fuera / outside)", see centinela.zones.stats.OUTSIDE): not a zone, so left out of the breakdown.
const isOutside = (zone) => typeof zone === 'string' && /^\(.*outside\)$/i.test(zone.trim());
const causeColor = (cause) => CAUSE_COLORS[cause] ?? CAUSE_FALLBACK;
const kindColor = (kind) => ZONE_STYLES[kind]?.chart ?? ZONE_FALLBACK_CHART;

/**
 * The chart's numbers from /api/stats/monthly's rows: `totals` month → cause → hectares (each alert once), `zones`
 * zone kind → hectares in the chosen months (a breakdown that may overlap). `cause` keeps one cause only.
 */
export function chartData(rows, months, cause) {
  const totals = new Map(months.map((m) => [m, new Map()]));
  const zones = new Map();
  for (const r of rows ?? []) {
    if (cause && r.cause !== cause) continue;
    const month = String(r.month).slice(0, 7);
    const ha = Number(r.hectares) || 0;
    if (!totals.has(month) || ha <= 0) continue;
    if (r.total === true) {
      const byCause = totals.get(month);
      byCause.set(r.cause, (byCause.get(r.cause) ?? 0) + ha);
    } else if (!isOutside(r.zone) && r.zone_kind && !CHART_EXCLUDED_KINDS.includes(r.zone_kind)) {
      zones.set(r.zone_kind, (zones.get(r.zone_kind) ?? 0) + ha);
    }
  }
  return { totals, zones };
}

/**
 * Draw into `container`. `rows` is /api/stats/monthly's answer; `months` the x axis (every month of the
 * chosen range, so gaps show as empty months rather than vanishing); `cause` the cause filter, if any.
 */
export function renderChart(container, rows, months, cause) {
  clear(container);
  const { totals: table, zones } = chartData(rows, months, cause);
  const causesSeen = new Set([...table.values()].flatMap((m) => [...m.keys()]));
  const causes = [...CAUSES.filter((c) => causesSeen.has(c)), ...[...causesSeen].filter((c) => !CAUSES.includes(c)).sort()];

  const caption = h('p', { class: 'chart-caption', text: t('whatsnew.chart.caption', { cause: cause ? t('chart.caption.cause', { cause: label('cause', cause) }) : '' }) });
  let total = 0;
  let max = 0;
  const perMonth = {};
  for (const [month, byCause] of table) {
    const sum = [...byCause.values()].reduce((a, b) => a + b, 0);
    perMonth[month] = Math.round(sum * 10000) / 10000;
    total += sum;
    max = Math.max(max, sum);
  }
  container.dataset.totals = JSON.stringify(perMonth);
  container.dataset.totalHa = String(Math.round(total * 10000) / 10000);
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
    for (const c of causes) {
      const ha = table.get(month).get(c) ?? 0;
      if (ha <= 0) continue;
      svg.append(s('rect', {
        x: x.toFixed(2), y: y(base + ha).toFixed(2), width: barW.toFixed(2), height: Math.max(0.5, y(base) - y(base + ha)).toFixed(2),
        fill: causeColor(c), class: 'bar', dataset: { month, cause: c, ha: String(ha) },
      }, s('title', {}, t('whatsnew.chart.bar', { month: formatMonth(month), cause: label('cause', c), ha: formatNumber(ha, 1) }))));
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
    causes.map((c) => h('li', {},
      h('span', { class: 'swatch', style: { background: causeColor(c) }, dataset: { cause: c }, 'aria-hidden': 'true' }),
      label('cause', c))));
  const totalLine = h('p', { class: 'chart-total', text: t('whatsnew.chart.total', { ha: formatNumber(total, 1) }) });
  const kinds = [...ZONE_KINDS.filter((k) => zones.has(k)), ...[...zones.keys()].filter((k) => !ZONE_KINDS.includes(k)).sort()];
  const breakdown = kinds.length
    ? [h('p', { class: 'chart-caption', text: t('whatsnew.chart.zones') }),
      h('ul', { class: 'chart-legend chart-zones' }, kinds.map((k) => h('li', { dataset: { kind: k } },
        h('span', { class: 'swatch', style: { background: kindColor(k) }, 'aria-hidden': 'true' }),
        `${label('zone', k)}: ${formatNumber(zones.get(k), 1)} ha`)))]
    : [];
  container.append(svg, legend, totalLine, caption, ...breakdown);
}
