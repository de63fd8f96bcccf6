// Reference layers a user imported (`centinela layers import`): rivers as blue lines, roads grey, towns as
// labelled points, anything else plain. They orient a ranger ("the pit is on the river bend east of the
// town") and carry no legal meaning. Town names are HTML markers: the map's style has no fonts to fetch.

import { Marker } from 'maplibre-gl';
import { api } from './api.js';
import { clear, h } from './dom.js';
import { t } from './i18n.js';

const COLORS = { rivers: '#1f6fd1', roads: '#6e6e6e', towns: '#3a2f2a', other: '#8a4fbf' };
const LABEL_MINZOOM = 9; // below this a region's town names would cover the alerts
const MAX_LABELS = 300; // DOM markers cost; past this many only the dots are drawn

function layersFor(kind, id, before) {
  const color = COLORS[kind] ?? COLORS.other;
  const isPoly = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
  const isPoint = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false];
  const width = kind === 'roads' ? ['interpolate', ['linear'], ['zoom'], 8, 1, 14, 3] : ['interpolate', ['linear'], ['zoom'], 8, 1.2, 14, 3.5];
  return [
    { id: `${id}-fill`, type: 'fill', source: id, filter: isPoly, paint: { 'fill-color': color, 'fill-opacity': kind === 'rivers' ? 0.45 : 0.15 } },
    { id: `${id}-line`, type: 'line', source: id, filter: ['!', isPoint], paint: { 'line-color': color, 'line-width': width } },
    {
      id: `${id}-point`, type: 'circle', source: id, filter: isPoint,
      paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': color, 'circle-stroke-width': 2 },
    },
  ].map((layer) => ({ layer, before }));
}

/** Manages the imported layers on `map` (drawn under `beforeLayer`) and their toggles next to `legendEl`. */
export function createReferenceLayers(map, beforeLayer, legendEl) {
  const layers = []; // {name, kind, attribution, id, visible, markers: []}
  let section = null;

  function setVisible(layer, visible) {
    layer.visible = visible;
    for (const suffix of ['fill', 'line', 'point']) {
      const lid = `${layer.id}-${suffix}`;
      if (map.getLayer(lid)) map.setLayoutProperty(lid, 'visibility', visible ? 'visible' : 'none');
    }
    placeLabels();
  }

  function placeLabels() {
    const show = map.getZoom() >= LABEL_MINZOOM;
    for (const layer of layers) {
      for (const m of layer.markers) {
        if (show && layer.visible) { if (!m._added) { m.addTo(map); m._added = true; } } else if (m._added) { m.remove(); m._added = false; }
      }
    }
  }
  map.on('zoomend', placeLabels);

  function render() {
    if (!legendEl) return;
    if (!section) {
      section = h('div', { id: 'legend-reference' });
      legendEl.after(section);
    }
    clear(section);
    if (!layers.length) return;
    section.append(h('h3', { text: t('reference.title') }));
    const list = h('ul', { class: 'legend-list' });
    for (const layer of layers) {
      const id = `layer-ref-${layer.id}`;
      list.append(h('li', { class: 'toggle' },
        h('input', {
          type: 'checkbox', id, checked: layer.visible, dataset: { testid: id },
          on: { change: (e) => setVisible(layer, e.target.checked) },
        }),
        h('label', { for: id },
          h('span', { class: `swatch ref-${layer.kind}`, 'aria-hidden': 'true', style: { 'border-color': COLORS[layer.kind] ?? COLORS.other } }),
          `${layer.name} · ${t(`reference.kind.${layer.kind}`)}`)));
    }
    section.append(list);
  }

  async function load() {
    let list;
    try {
      list = await api('/api/layers');
    } catch (err) {
      if (err.status !== 401) console.warn('reference layers:', err.message);
      return [];
    }
    for (const [i, meta] of (Array.isArray(list) ? list : []).entries()) {
      if (layers.some((l) => l.name === meta.name)) continue;
      let fc;
      try {
        fc = await api(`/api/layers/${encodeURIComponent(meta.name)}`);
      } catch (err) {
        console.warn(`reference layer ${meta.name}:`, err.message);
        continue;
      }
      const id = `ref-${i}`;
      map.addSource(id, { type: 'geojson', data: { type: 'FeatureCollection', features: fc?.features ?? [] } });
      for (const { layer, before } of layersFor(meta.kind, id, beforeLayer)) map.addLayer(layer, before);
      const markers = [];
      if (meta.kind === 'towns') {
        for (const f of (fc?.features ?? []).slice(0, MAX_LABELS)) {
          const label = f.properties?.label;
          const c = f.geometry?.type === 'Point' ? f.geometry.coordinates : null;
          if (!label || !c) continue;
          const el = h('div', { class: 'town-label', text: label });
          markers.push(new Marker({ element: el, anchor: 'left', offset: [7, 0] }).setLngLat(c));
        }
      }
      layers.push({ ...meta, id, visible: true, markers });
    }
    placeLabels();
    render();
    return layers;
  }

  return { load, render, layers };
}
