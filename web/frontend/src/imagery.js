// Before/after imagery for the selected alert: the clearest image before its first detection and the
// clearest from then on, shown on the map as a swipe (a divider the person drags; each side's date written
// on the map, alerts as outlines only) with a true/false colour switch. False colour (SWIR) makes bare
// mining pits and ponds stand out from forest even under haze.

import { getAlertImagery } from './api.js';
import { clear, h } from './dom.js';
import { t, formatNumber } from './i18n.js';
import { featureBounds } from './map.js';

const cloudOf = (d) => (Number.isFinite(Number(d.cloud_cover)) && d.cloud_cover !== null ? Number(d.cloud_cover) : Infinity);

/** The clearest of `dates` (least cloud cover); among equally clear ones the latest. */
function clearest(dates) {
  let best = null;
  for (const d of dates) {
    if (!best || cloudOf(d) < cloudOf(best) || (cloudOf(d) === cloudOf(best) && d.date > best.date)) best = d;
  }
  return best;
}

/**
 * Before: clearest date strictly before first_seen. After: clearest date on or after first_seen (the
 * first_seen image already shows the loss). Dates compare as ISO strings, which sort like dates.
 */
export function pickDates(dates, firstSeen) {
  const day = String(firstSeen ?? '').slice(0, 10);
  const list = (dates ?? []).filter((d) => d && d.date).map((d) => ({ ...d, date: String(d.date).slice(0, 10) }));
  return {
    before: clearest(list.filter((d) => d.date < day)),
    after: clearest(list.filter((d) => d.date >= day)),
  };
}

/** The server's pair ({before: {date, clear}, after: …}) as the dates this section shows. */
export function fromPair(pair) {
  const side = (s) => (s && s.date ? { date: String(s.date).slice(0, 10), cloud_cover: Number.isFinite(Number(s.clear)) && s.clear !== null ? Math.round((1 - Number(s.clear)) * 1000) / 10 : null } : null);
  return { before: side(pair?.before), after: side(pair?.after) };
}

/** The bbox to ask imagery dates for: the alert's outline with a margin, so its surroundings count too. */
export function imageryBbox(feature) {
  const b = featureBounds(feature);
  if (!b) return null;
  const mx = Math.max((b[2] - b[0]) * 0.5, 0.005);
  const my = Math.max((b[3] - b[1]) * 0.5, 0.005);
  const r = (v) => Math.round(v * 1e5) / 1e5;
  return [r(b[0] - mx), r(b[1] - my), r(b[2] + mx), r(b[3] + my)];
}

const cloudText = (d) => (cloudOf(d) === Infinity ? t('panel.none') : `${formatNumber(d.cloud_cover, 0)} %`);

export function createImagery(mapCtl) {
  // Choices survive switching alerts and languages; the layers do not outlive the selected alert.
  const state = { feature: null, dates: null, shown: false, style: 'true', error: null, loading: false };
  let container = null;
  let request = 0;

  function apply() {
    const { before, after } = state.dates ?? {};
    if (state.shown && (before || after)) {
      // With only one side available, that one is shown alone (no divider), its date on the map.
      mapCtl.setCompare({ before: before?.date ?? after.date, after: after?.date ?? before.date, style: state.style });
    } else {
      mapCtl.setCompare(null);
    }
  }

  function render() {
    if (!container) return;
    clear(container);
    container.append(h('h3', { text: t('imagery.title') }));
    if (state.loading) {
      container.append(h('p', { class: 'muted', text: t('imagery.loading') }));
      return;
    }
    if (state.error) {
      container.append(h('p', { class: 'form-error', role: 'alert', text: state.error }));
      return;
    }
    const { before, after } = state.dates ?? {};
    container.append(
      h('p', { id: 'imagery-before', text: before ? t('imagery.before', { date: before.date, cloud: cloudText(before) }) : t('imagery.none.before') }),
      h('p', { id: 'imagery-after', text: after ? t('imagery.after', { date: after.date, cloud: cloudText(after) }) : t('imagery.none.after') }),
    );
    if (!before && !after) return;
    container.append(h('button', {
      type: 'button', id: 'imagery-show', class: 'secondary', 'aria-pressed': String(state.shown),
      text: state.shown ? t('imagery.hide') : t('imagery.show'),
      on: {
        click: () => {
          state.shown = !state.shown;
          apply();
          if (state.shown) mapCtl.showFeature(state.feature, true);
          render();
        },
      },
    }));
    if (!state.shown) return;
    const controls = h('div', { id: 'imagery-controls' });
    if (before && after) controls.append(h('p', { class: 'hint', id: 'imagery-swipe-hint', text: t('swipe.hint') }));
    const radios = h('fieldset', { class: 'radio-row' }, h('legend', { text: t('imagery.style') }));
    for (const style of ['true', 'false']) {
      const id = `imagery-style-${style}`;
      radios.append(h('span', { class: 'radio' },
        h('input', {
          type: 'radio', name: 'imagery-style', id, value: style, checked: state.style === style,
          on: { change: () => { state.style = style; apply(); } },
        }),
        h('label', { for: id, text: t(`imagery.style.${style}`) })));
    }
    controls.append(radios);
    container.append(controls);
  }

  return {
    /** Show the section for `feature` inside `el`; asks the server for dates only when the alert changes. */
    async show(el, feature) {
      container = el;
      const same = state.feature && state.feature.properties?.alert_id === feature.properties?.alert_id;
      state.feature = feature;
      if (same && (state.dates || state.loading)) {
        render();
        return;
      }
      state.dates = null;
      state.error = null;
      state.shown = false;
      apply();
      const bbox = imageryBbox(feature);
      if (!bbox) { render(); return; }
      state.loading = true;
      render();
      const mine = ++request;
      try {
        // The server picks the pair by the clear share over the alert and a margin, the same rule as the
        // evidence package; "cloud" shown is what is not clear over the alert, not the scene's declared cover.
        const pair = await getAlertImagery(feature.properties?.alert_id);
        if (mine !== request) return;
        state.dates = fromPair(pair);
      } catch (err) {
        if (mine !== request) return;
        state.error = err.message;
      } finally {
        if (mine === request) state.loading = false;
      }
      render();
    },
    /** Re-draw the controls (language change) into the latest container. */
    render,
    /** Take the imagery off the map (panel closed, signed out). */
    reset() {
      request += 1;
      state.feature = null;
      state.dates = null;
      state.shown = false;
      state.loading = false;
      container = null;
      apply();
    },
  };
}

// The base layer picks its image by the same rule.
export { clearest };
