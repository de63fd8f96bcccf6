// Filter controls: status, cause, confidence and a month range on first detection. The month range is
// two range inputs (#time-from, #time-to) rather than one two-thumb widget because native inputs work
// with keyboards, screen readers and touch without any library.

import { $, clear, h } from './dom.js';
import { t, label, formatMonth } from './i18n.js';
import { STATUSES, CAUSES, CONFIDENCES } from './styles.js';

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

export function createFilters(config, onChange) {
  const status = $('#filter-status');
  const cause = $('#filter-cause');
  const confidence = $('#filter-confidence');
  const from = $('#time-from');
  const to = $('#time-to');
  const rangeLabel = $('#time-label');
  const months = defaultMonths(config);

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
  for (const select of [status, cause, confidence]) select.addEventListener('change', () => changed(true));

  renderLabels();

  return {
    renderLabels,
    /** The filter part of /api/alerts' query. */
    params() {
      return {
        since: `${months[Number(from.value)]}-01`,
        until: monthEnd(months[Number(to.value)]),
        status: status.value,
        cause: cause.value,
        confidence: confidence.value,
      };
    },
    /** The months currently chosen (for the chart's x axis). */
    months() {
      return months.slice(Number(from.value), Number(to.value) + 1);
    },
  };
}
