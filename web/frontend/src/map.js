// The MapLibre map: an offline style (plain background, our own raster tiles, GeoJSON zones and alerts).
// No glyphs, sprites or fonts are referenced, so nothing is fetched from outside the server: the page
// must work on a field laptop behind a satellite link or on a closed network.

import {
  Map as MapLibreMap, NavigationControl, ScaleControl, AttributionControl, Popup, setWorkerUrl, getVersion,
} from 'maplibre-gl';
import { api } from './api.js';
import { h } from './dom.js';
import { t, label, onLangChange } from './i18n.js';
import { createSwipe } from './swipe.js';
import { createReferenceLayers } from './reflayers.js';
import {
  ZONE_DRAW_ORDER, ZONE_STYLES, CAUSE_COLORS, CAUSE_FALLBACK, STATUS_COLORS, STATUS_FALLBACK, matchColor,
} from './styles.js';

// MapLibre 6 runs its tile work in a module worker it loads from a file next to the bundle. The build copies
// it beside app.js as a plain ".js" file, so any server sends it with a JavaScript MIME type.
// The version in the query makes browsers fetch a new worker when MapLibre is upgraded.
const workerUrl = new URL('./maplibre-gl-worker.js', import.meta.url);
workerUrl.searchParams.set('v', getVersion());
setWorkerUrl(workerUrl.href);

const EMPTY = { type: 'FeatureCollection', features: [] };
const ALERT_LAYERS = ['alerts-points', 'alerts-fill', 'alerts-line'];
const FIRST_ZONE_LAYER = `zone-fill-${ZONE_DRAW_ORDER[0]}`;
const POINTS_MAXZOOM = 12; // below this, polygons of a few hectares are specks: show a dot as well
const TILE_MINZOOM = 6; // the tile server refuses lower zooms (one tile would span hundreds of scenes)

function absolute(path) {
  return new URL(path, window.location.href).href;
}

function tileUrl(date, style) {
  // {z}/{x}/{y} must stay literal for MapLibre, so build the URL around them rather than encoding them.
  if (date && typeof date === 'object') {
    // The clear composite: each pixel's latest clear look in the `weeks` weeks up to `until`.
    const q = `until=${encodeURIComponent(date.until)}&weeks=${Number(date.weeks)}&style=${style}`;
    return `${absolute('/tiles/composite/')}{z}/{x}/{y}.png?${q}`;
  }
  return `${absolute(`/tiles/${encodeURIComponent(date)}/`)}{z}/{x}/{y}.png?style=${style}`;
}

const ALERT_FILL_OPACITY = 0.45;
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The first and last acquisition dates inside the composite's window of `weeks` weeks up to `until`. */
export function compositeRange(until, weeks, dates = []) {
  const end = String(until).slice(0, 10);
  const start = new Date(Date.parse(`${end}T00:00:00Z`) - weeks * WEEK_MS + 24 * 3600 * 1000).toISOString().slice(0, 10);
  const inside = dates.map((d) => String(d?.date ?? d).slice(0, 10)).filter((d) => d >= start && d <= end).sort();
  return { start: inside[0] ?? start, end };
}

function zoneLayers() {
  const layers = [];
  for (const kind of ZONE_DRAW_ORDER) {
    const st = ZONE_STYLES[kind];
    const isKind = ['==', ['get', 'kind'], kind];
    layers.push({
      id: `zone-fill-${kind}`, type: 'fill', source: 'zones', filter: isKind,
      paint: { 'fill-color': st.fill, 'fill-opacity': st.fillOpacity },
    });
    layers.push({
      id: `zone-line-${kind}`, type: 'line', source: 'zones', filter: ['all', isKind, ['!', ['get', 'illustrative']]],
      paint: { 'line-color': st.line, 'line-width': st.width },
    });
    // Illustrative boundaries (not legal limits) are dashed so nobody mistakes them for the real ones.
    layers.push({
      id: `zone-line-ill-${kind}`, type: 'line', source: 'zones', filter: ['all', isKind, ['get', 'illustrative']],
      paint: { 'line-color': st.line, 'line-width': st.width, 'line-dasharray': [3, 2] },
    });
  }
  return layers;
}

function alertLayers() {
  const causeColor = matchColor('cause', CAUSE_COLORS, CAUSE_FALLBACK);
  const statusColor = matchColor('status', STATUS_COLORS, STATUS_FALLBACK);
  const none = ['==', ['get', 'alert_id'], ''];
  return [
    { id: 'alerts-fill', type: 'fill', source: 'alerts', paint: { 'fill-color': causeColor, 'fill-opacity': ALERT_FILL_OPACITY } },
    // Over imagery the fill goes (the ground under an alert must show): this casing keeps the cause's colour.
    {
      id: 'alerts-cause-line', type: 'line', source: 'alerts', layout: { visibility: 'none' },
      paint: { 'line-color': causeColor, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 4, 14, 7], 'line-opacity': 0.9 },
    },
    {
      id: 'alerts-selected', type: 'line', source: 'alerts', filter: none,
      paint: { 'line-color': '#00e5ff', 'line-width': 7, 'line-opacity': 0.9 },
    },
    {
      id: 'alerts-line', type: 'line', source: 'alerts',
      paint: { 'line-color': statusColor, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 14, 3] },
    },
    {
      id: 'alerts-points-selected', type: 'circle', source: 'alert-points', maxzoom: POINTS_MAXZOOM, filter: none,
      paint: { 'circle-radius': 14, 'circle-color': '#00e5ff', 'circle-opacity': 0.85, 'circle-stroke-color': '#003b44', 'circle-stroke-width': 1.5 },
    },
    {
      id: 'alerts-points', type: 'circle', source: 'alert-points', maxzoom: POINTS_MAXZOOM,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 4, 11, 7],
        'circle-color': causeColor,
        'circle-stroke-color': statusColor,
        'circle-stroke-width': 2.5,
      },
    },
  ];
}

function style() {
  return {
    version: 8,
    sources: {
      zones: { type: 'geojson', data: EMPTY },
      alerts: { type: 'geojson', data: EMPTY, promoteId: 'alert_id' },
      'alert-points': { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#dfe7dc' } },
      ...zoneLayers(),
      ...alertLayers(),
    ],
  };
}

/** The swipe's "after" side: the image, the zones' outlines and the alerts' outlines (never a fill). */
function overlayStyle(date, imageStyle, zones, alerts, selected) {
  const lines = zoneLayers().filter((l) => l.type === 'line');
  const outlines = alertLayers().filter((l) => l.type === 'line').map((l) => (
    l.id === 'alerts-selected' ? { ...l, filter: ['==', ['get', 'alert_id'], selected ?? ''] } : { ...l, layout: {} }));
  return {
    version: 8,
    sources: {
      after: { type: 'raster', tiles: [tileUrl(date, imageStyle)], tileSize: 256, minzoom: TILE_MINZOOM },
      zones: { type: 'geojson', data: zones ?? EMPTY },
      alerts: { type: 'geojson', data: alerts ?? EMPTY },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#dfe7dc' } },
      { id: 'after', type: 'raster', source: 'after', paint: { 'raster-fade-duration': 0 } },
      ...lines,
      ...outlines,
    ],
  };
}

/** A line of text written on the map itself (dates of the images), so a screenshot keeps it. */
function mapLabel(container, id, cls) {
  let el = container.querySelector(`#${id}`);
  if (!el) {
    el = h('div', { id, class: `map-label ${cls}` });
    container.append(el);
  }
  return el;
}

/** The alert's dot: the API's lat/lon, else the middle of its outline's bounding box. */
function pointOf(feature) {
  const p = feature.properties ?? {};
  if (Number.isFinite(Number(p.lat)) && Number.isFinite(Number(p.lon)) && p.lat !== null && p.lon !== null) {
    return [Number(p.lon), Number(p.lat)];
  }
  const b = featureBounds(feature);
  return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : null;
}

/** [minx, miny, maxx, maxy] of any GeoJSON geometry, or null when it has no coordinates. */
export function featureBounds(feature) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else {
      for (const x of c) walk(x);
    }
  };
  const g = feature?.geometry;
  if (!g) return null;
  if (g.type === 'GeometryCollection') for (const part of g.geometries) walk(part.coordinates);
  else walk(g.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

const truthy = (v) => v === true || v === 1 || v === 'true' || v === '1';

/**
 * Create the map. Resolves once the style is loaded, with a small controller the rest of the page uses,
 * so no other module needs to know layer or source ids.
 */
export function createMap(container, config, { onAlertClick, viewPadding = () => 60 }) {
  // Start on the data's bounds when the server gives them (fits any screen), else on its centre and zoom.
  const bounds = Array.isArray(config.bounds) && config.bounds.length === 4 && config.bounds.every(Number.isFinite)
    && config.bounds[0] < config.bounds[2] && config.bounds[1] < config.bounds[3] ? config.bounds : null;
  const map = new MapLibreMap({
    container,
    style: style(),
    ...(bounds
      ? { bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]], fitBoundsOptions: { padding: 30, maxZoom: 14 } }
      : { center: config.center ?? [-69.9, -12.9], zoom: config.zoom ?? 9 }),
    attributionControl: false, // ours, below: it lists every data source, updated from /api/attributions
    maxPitch: 0, // a flat map: rangers read distances and shapes, tilt only confuses on a phone
    dragRotate: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  let attributions = [];
  let attributionCtl = null;
  function renderAttribution() {
    // MapLibre's control takes its custom texts once, when made: replace it to change them.
    if (attributionCtl) map.removeControl(attributionCtl);
    const texts = attributions.map((a) => (a.kind === 'imagery' ? t('attribution.copernicus', { year: imageryYears() ?? a.year }) : a.text));
    attributionCtl = new AttributionControl({ compact: true, customAttribution: texts });
    map.addControl(attributionCtl, 'bottom-right');
    // Folded to its ⓘ button: the credits are long and would cover the map's bottom (and the composite's dates).
    container.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
  }
  // Tiles outside the imagery's footprint answer 404; that is expected and not worth a console error each.
  map.on('error', (e) => {
    if (e?.sourceId && /^(base|before|after)$/.test(e.sourceId)) return;
    console.warn('map:', e?.error?.message ?? e);
  });

  let popup = null;
  let baseDate = null;
  let baseSpec = null; // {until, weeks, start} of the clear composite under everything
  let baseVisible = true;
  let compare = null;
  let swipe = null;
  let zonesData = EMPTY;
  let alertsData = EMPTY;
  let selectedId = null;
  const reference = createReferenceLayers(map, 'alerts-fill', document.getElementById('legend'));
  // The licence asks for the year of the data: the years of the images on the map, once any is shown.
  function imageryYears() {
    const days = [baseSpec?.start, baseSpec?.until, compare?.before, compare?.after].filter(Boolean);
    const years = [...new Set(days.map((d) => String(d).slice(0, 4)))].sort();
    if (!years.length) return null;
    return years.length === 1 ? years[0] : `${years[0]}–${years[years.length - 1]}`;
  }
  renderAttribution();

  /**
   * Over any image alerts are outlines only (ground visible inside); on the plain background, filled. While
   * two dates are compared the composite goes: a mix of dates beside them would blur which day is which,
   * and its tiles would queue in front of theirs on a slow link.
   */
  function updateAlertFill() {
    if (map.getLayer('base')) map.setLayoutProperty('base', 'visibility', baseVisible && !compare ? 'visible' : 'none');
    const overImagery = Boolean(compare) || Boolean(baseSpec && baseVisible);
    if (map.getLayer('alerts-fill')) map.setPaintProperty('alerts-fill', 'fill-opacity', overImagery ? 0 : ALERT_FILL_OPACITY);
    if (map.getLayer('alerts-cause-line')) map.setLayoutProperty('alerts-cause-line', 'visibility', overImagery ? 'visible' : 'none');
  }

  function renderLabels() {
    const base = mapLabel(container, 'map-base-date', 'base-date');
    base.hidden = !(baseSpec && baseVisible) || Boolean(compare);
    if (baseSpec) base.textContent = t('base.composite.range', { start: baseSpec.start, end: baseSpec.until });
    const single = mapLabel(container, 'map-image-date', 'image-date');
    single.hidden = !(compare && compare.before === compare.after);
    if (compare) single.textContent = t('swipe.single', { date: compare.before });
    swipe?.labelTexts({
      before: t('swipe.before', { date: compare?.before ?? '' }),
      after: t('swipe.after', { date: compare?.after ?? '' }),
    });
  }
  onLangChange(() => { renderAttribution(); renderLabels(); reference.render(); });

  // A finger is wider than a polygon edge or a 4 px dot: look in a small box around the tap.
  function alertAt(point) {
    const pad = 8;
    const box = [[point.x - pad, point.y - pad], [point.x + pad, point.y + pad]];
    const hits = map.queryRenderedFeatures(box, { layers: ALERT_LAYERS });
    return hits.length ? hits[0].properties.alert_id : null;
  }

  function showZonePopup(lngLat, features) {
    const body = h('div', { class: 'zone-popup' });
    const seen = new Set();
    for (const f of features) {
      const p = f.properties;
      const key = `${p.kind}|${p.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      body.append(h('div', { class: 'zone-popup-item' },
        h('strong', { text: p.name || label('zone', p.kind) }),
        h('div', { text: label('zone', p.kind) }),
        truthy(p.illustrative) ? h('div', { class: 'illustrative', text: t('zone.illustrative.long') }) : null,
        truthy(p.sensitive) ? h('div', { class: 'sensitive', text: t('zone.sensitive') }) : null,
        p.source ? h('small', { text: t('zone.source', { source: p.licence ? `${p.source} (${p.licence})` : p.source }) }) : null));
    }
    popup?.remove();
    popup = new Popup({ maxWidth: '280px' }).setLngLat(lngLat).setDOMContent(body).addTo(map);
  }

  map.on('click', (e) => {
    const id = alertAt(e.point);
    if (id) {
      popup?.remove();
      onAlertClick(id);
      return;
    }
    const zones = map.queryRenderedFeatures(e.point, { layers: ZONE_DRAW_ORDER.map((k) => `zone-fill-${k}`) });
    if (zones.length) showZonePopup(e.lngLat, zones);
  });
  for (const layer of ALERT_LAYERS) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }

  function setRaster(id, date, style, opacity, visible = true) {
    if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource(id)) map.removeSource(id);
    if (!date) return;
    map.addSource(id, { type: 'raster', tiles: [tileUrl(date, style)], tileSize: 256, minzoom: TILE_MINZOOM });
    map.addLayer({
      id, type: 'raster', source: id,
      layout: { visibility: visible ? 'visible' : 'none' },
      paint: { 'raster-opacity': opacity, 'raster-fade-duration': 0 },
    }, id === 'base' && map.getLayer('before') ? 'before' : FIRST_ZONE_LAYER); // imagery under every zone and alert
  }

  const controller = {
    map,

    /** Current view as the API's bbox (minx, miny, maxx, maxy), clamped to valid degrees. */
    bbox() {
      const b = map.getBounds();
      const r = (v) => Math.round(v * 1e5) / 1e5;
      return [r(Math.max(-180, b.getWest())), r(Math.max(-90, b.getSouth())), r(Math.min(180, b.getEast())), r(Math.min(90, b.getNorth()))];
    },

    /** Put the zones on the map; returns, per kind present, whether any of its zones is illustrative. */
    setZones(fc) {
      const features = (fc?.features ?? []).map((f) => ({
        ...f,
        properties: { ...f.properties, illustrative: truthy(f.properties?.illustrative), sensitive: truthy(f.properties?.sensitive) },
      }));
      zonesData = { type: 'FeatureCollection', features };
      map.getSource('zones').setData(zonesData);
      swipe?.overlay.getSource('zones')?.setData(zonesData);
      const kinds = {};
      for (const f of features) kinds[f.properties.kind] = (kinds[f.properties.kind] ?? false) || f.properties.illustrative;
      return kinds;
    },

    setZoneVisible(kind, visible) {
      for (const id of [`zone-fill-${kind}`, `zone-line-${kind}`, `zone-line-ill-${kind}`]) {
        if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
      }
    },

    setAlerts(fc) {
      const features = fc?.features ?? [];
      alertsData = { type: 'FeatureCollection', features };
      map.getSource('alerts').setData(alertsData);
      swipe?.overlay.getSource('alerts')?.setData(alertsData);
      const points = [];
      for (const f of features) {
        const c = pointOf(f);
        if (c) points.push({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: f.properties });
      }
      map.getSource('alert-points').setData({ type: 'FeatureCollection', features: points });
    },

    setSelected(id) {
      const filter = ['==', ['get', 'alert_id'], id ?? ''];
      map.setFilter('alerts-selected', filter);
      map.setFilter('alerts-points-selected', filter);
      selectedId = id ?? null;
      if (swipe?.overlay.getLayer('alerts-selected')) swipe.overlay.setFilter('alerts-selected', filter);
    },

    /**
     * Bring a feature into view; only moves when it is not already wholly visible in the part of the map
     * that nothing covers (on a phone the bottom sheet hides the lower half: viewPadding says by how much).
     */
    showFeature(feature, force = false) {
      const b = featureBounds(feature);
      if (!b) return;
      let pad = viewPadding();
      if (typeof pad === 'number') pad = { top: pad, right: pad, bottom: pad, left: pad };
      const { width, height } = map.getContainer().getBoundingClientRect();
      const corners = [map.project([b[0], b[1]]), map.project([b[2], b[3]])];
      const inside = corners.every((p) => p.x >= pad.left && p.x <= width - pad.right && p.y >= pad.top && p.y <= height - pad.bottom);
      if (inside && !force) return;
      // If the free area is too small for padding (tiny screens), fall back to no padding rather than fail.
      const fits = width - pad.left - pad.right > 40 && height - pad.top - pad.bottom > 40;
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: fits ? pad : 0, maxZoom: 15, duration: 600 });
    },

    /**
     * The base image under everything, for orientation (rivers, roads, old mining): the clear composite of
     * the `weeks` weeks up to `until` (each pixel its latest clear look), its range written on the map.
     * Returns {start, end} of the range.
     */
    setBaseComposite(until, weeks = 6, dates = [], style = 'true', visible = true) {
      const range = compositeRange(until, weeks, dates);
      baseSpec = { until: range.end, weeks, start: range.start };
      baseDate = `${range.start} – ${range.end}`;
      baseVisible = visible;
      setRaster('base', { until: range.end, weeks }, style, 1, visible);
      updateAlertFill();
      renderLabels();
      renderAttribution();
      return range;
    },
    /** A single date's image as the base (kept for callers that pick one day). */
    setBaseImagery(date, style = 'true', visible = true) {
      baseDate = date;
      baseSpec = null;
      baseVisible = visible;
      setRaster('base', date, style, 1, visible);
      updateAlertFill();
      renderLabels();
    },
    setBaseVisible(visible) {
      baseVisible = visible;
      updateAlertFill();
      renderLabels();
    },
    baseDate: () => baseDate,

    /**
     * Before/after: the "before" image on the main map, the "after" one on a swipe overlay clipped at a
     * divider the person drags (see swipe.js); each side's date is written on the map. With one date only
     * (next.before === next.after) that image is shown alone, its date on the map. null removes both.
     */
    setCompare(next) {
      if (!next) {
        swipe?.destroy();
        swipe = null;
        setRaster('before', null);
        compare = null;
        updateAlertFill();
        renderLabels();
        return;
      }
      const same = compare && compare.before === next.before && compare.after === next.after && compare.style === next.style;
      if (!same) {
        setRaster('before', next.before, next.style, 1);
        const position = swipe?.position();
        swipe?.destroy();
        swipe = null;
        if (next.after && next.after !== next.before) {
          swipe = createSwipe(map, overlayStyle(next.after, next.style, zonesData, alertsData, selectedId));
          if (position !== undefined) swipe.setPosition(position);
        }
      }
      compare = { ...next };
      updateAlertFill();
      renderLabels();
      if (!same) renderAttribution();
    },
    compareState: () => (compare ? { ...compare, position: swipe?.position() ?? null } : null),

    /** Imported reference layers (rivers, roads, towns) and the attribution of every source, from the API. */
    async loadExtras() {
      try {
        const list = await api('/api/attributions');
        attributions = Array.isArray(list) ? list : [];
        renderAttribution();
      } catch (err) {
        if (err.status !== 401) console.warn('attributions:', err.message);
      }
      await reference.load();
    },
  };
  return new Promise((resolve, reject) => {
    map.once('load', () => {
      resolve(controller);
      controller.loadExtras(); // not awaited: credits and reference layers must not hold up the alerts
    });
    map.once('error', (e) => { if (!map.loaded()) reject(e?.error ?? e); });
  });
}
