// Before/after swipe: the "after" image is a second, non-interactive map laid over the main one and clipped
// at a vertical divider the person drags (finger, mouse, or arrow keys). Left of the divider is the main map
// with the "before" image, right of it the overlay with the "after" one; both follow the main map's view.
// The overlay exists only while comparing and is removed with its WebGL context afterwards (phones have few).

import { Map as MapLibreMap } from 'maplibre-gl';
import { h } from './dom.js';
import { t } from './i18n.js';

const KEY_STEP = 0.05;

/**
 * main: the MapLibre map. style: the overlay's style (its "after" raster and outlines).
 * Returns {overlay (the MapLibre map), setPosition(fraction), position(), labelTexts({before, after}), destroy()}.
 */
export function createSwipe(main, style) {
  const container = main.getContainer();
  const controls = container.querySelector('.maplibregl-control-container');
  const host = h('div', { class: 'swipe-after', 'aria-hidden': 'true' });
  container.insertBefore(host, controls);
  const overlay = new MapLibreMap({
    container: host,
    style,
    interactive: false,
    attributionControl: false,
    center: main.getCenter(),
    zoom: main.getZoom(),
    bearing: main.getBearing(),
    fadeDuration: 0,
  });
  // Tiles outside the imagery's footprint answer 404: expected at a scene edge, not worth a console error each.
  overlay.on('error', (e) => { if (e?.sourceId !== 'after') console.warn('swipe:', e?.error?.message ?? e); });
  const sync = () => overlay.jumpTo({ center: main.getCenter(), zoom: main.getZoom(), bearing: main.getBearing() });
  const resize = () => { overlay.resize(); place(); };
  main.on('move', sync);
  main.on('resize', resize);

  const divider = h('div', {
    class: 'swipe-divider', id: 'swipe-divider', role: 'slider', tabindex: '0',
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-orientation': 'horizontal', 'aria-label': t('swipe.divider'),
  }, h('span', { class: 'swipe-handle', 'aria-hidden': 'true', text: '⇔' }));
  const before = h('div', { class: 'map-label swipe-date before', id: 'swipe-date-before' });
  const after = h('div', { class: 'map-label swipe-date after', id: 'swipe-date-after' });
  container.insertBefore(divider, controls);
  container.append(before, after);

  let fraction = 0.5;
  function place() {
    const width = container.clientWidth;
    const x = Math.round(fraction * width);
    host.style.clipPath = `inset(0 0 0 ${x}px)`;
    divider.style.left = `${x}px`;
    divider.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
  }
  function setPosition(f) {
    fraction = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0.5));
    place();
  }

  // Pointer events cover mouse, touch and pen alike; capture keeps the drag when the finger leaves the bar.
  let dragging = null;
  const fromEvent = (e) => {
    const r = container.getBoundingClientRect();
    return r.width > 0 ? (e.clientX - r.left) / r.width : 0.5;
  };
  divider.addEventListener('pointerdown', (e) => {
    dragging = e.pointerId;
    divider.setPointerCapture?.(e.pointerId);
    e.preventDefault();
    e.stopPropagation();
  });
  divider.addEventListener('pointermove', (e) => {
    if (dragging !== e.pointerId) return;
    e.preventDefault();
    setPosition(fromEvent(e));
  });
  const stop = (e) => {
    if (dragging === e.pointerId) dragging = null;
  };
  divider.addEventListener('pointerup', stop);
  divider.addEventListener('pointercancel', stop);
  divider.addEventListener('keydown', (e) => {
    const step = { ArrowLeft: -KEY_STEP, ArrowDown: -KEY_STEP, ArrowRight: KEY_STEP, ArrowUp: KEY_STEP }[e.key];
    if (step !== undefined) setPosition(fraction + step);
    else if (e.key === 'Home') setPosition(0);
    else if (e.key === 'End') setPosition(1);
    else return;
    e.preventDefault();
  });
  setPosition(fraction);

  return {
    overlay,
    setPosition,
    position: () => fraction,
    /** The dates written on the map, each on its own side of the divider. */
    labelTexts(texts) {
      before.textContent = texts.before ?? '';
      after.textContent = texts.after ?? '';
      divider.setAttribute('aria-label', t('swipe.divider'));
    },
    destroy() {
      main.off('move', sync);
      main.off('resize', resize);
      overlay.remove();
      for (const el of [host, divider, before, after]) el.remove();
    },
  };
}
