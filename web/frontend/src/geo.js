// "Go there": the alert's point as a ranger uses it — decimal degrees, degrees-minutes-seconds, UTM (computed by
// the server with pyproj, with the zone a GPS shows, e.g. 19L) —, links that open the phone's maps app, and the
// distance and bearing from the phone's own position, asked for only when the person presses the button.

import { h } from './dom.js';
import { t, formatNumber } from './i18n.js';

const EARTH_KM = 6371.0088; // mean Earth radius (IUGG)
const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
const rad = (d) => (d * Math.PI) / 180;

/** One coordinate as 12°57'20.0"S. */
export function dms(value, positive, negative) {
  const sign = value >= 0 ? positive : negative;
  const total = Math.round(Math.abs(value) * 36000) / 10; // seconds, one decimal
  const d = Math.floor(total / 3600);
  const m = Math.floor((total - d * 3600) / 60);
  const s = total - d * 3600 - m * 60;
  return `${d}°${String(m).padStart(2, '0')}'${s.toFixed(1).padStart(4, '0')}"${sign}`;
}

export const dmsPair = (lat, lon) => `${dms(lat, 'N', 'S')} ${dms(lon, 'E', 'W')}`;

/** Great-circle distance (km) and initial bearing (degrees from north) from `a` to `b` ({lat, lon}). */
export function distanceBearing(a, b) {
  const [p1, p2] = [rad(a.lat), rad(b.lat)];
  const dl = rad(b.lon - a.lon);
  const hav = Math.sin((p2 - p1) / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  const km = 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(hav)));
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  const deg = (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
  return { km, deg, dir: COMPASS[Math.round(deg / 45) % 8] };
}

/** Links that open a maps app at the point: geo: (RFC 5870, Android), Apple Maps (iOS), Google Maps. */
export function mapLinks(lat, lon, name) {
  const ll = `${lat.toFixed(6)},${lon.toFixed(6)}`;
  const q = encodeURIComponent(name);
  return {
    geo: `geo:${ll}?q=${ll}(${q})`,
    apple: `https://maps.apple.com/?ll=${ll}&q=${q}`,
    google: `https://www.google.com/maps/search/?api=1&query=${ll}`,
  };
}

/** The phone's position, once, when asked (never watched in the background). */
export function locate() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error(t('whatsnew.go.unsupported'))); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
      (err) => reject(new Error(err.message || String(err.code))),
      { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 },
    );
  });
}

/**
 * The panel's "go there" section for an alert's properties `p` (lat, lon, utm, alert_id). `copy(text)` copies
 * to the clipboard, `notify(text, kind)` tells the person. Returns null when the alert has no point.
 */
export function goThere(p, copy, notify) {
  const lat = Number(p.lat);
  const lon = Number(p.lon);
  if (p.lat === null || p.lat === undefined || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  // Five decimals is about one metre: enough to walk to, and what GPS units display.
  const decimal = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  const links = mapLinks(lat, lon, `Centinela ${p.alert_id ?? ''}`.trim());
  const u = p.utm;
  const rows = [
    [t('whatsnew.go.wgs84'), h('code', { id: 'alert-coords', text: decimal })],
    [t('whatsnew.go.dms'), h('code', { id: 'alert-dms', text: p.dms || dmsPair(lat, lon) })],
  ];
  if (u && Number.isFinite(Number(u.easting))) {
    rows.push([t('whatsnew.go.utm', { zone: u.zone, epsg: u.epsg }),
      h('code', { id: 'alert-utm', dataset: { testid: 'alert-utm' }, text: `${u.zone} ${t('whatsnew.go.utm.value', { e: u.easting, n: u.northing })}` })]);
  }
  const distance = h('p', { id: 'alert-distance', class: 'muted', 'aria-live': 'polite' });
  const locateButton = h('button', {
    type: 'button', id: 'locate-me', class: 'secondary', text: t('whatsnew.go.locate'),
    on: {
      click: async () => {
        distance.textContent = t('whatsnew.go.locating');
        try {
          const here = await locate();
          const d = distanceBearing(here, { lat, lon });
          distance.textContent = t('whatsnew.go.distance', {
            km: formatNumber(d.km, d.km < 10 ? 2 : 1), dir: t(`whatsnew.dir.${d.dir}`), deg: Math.round(d.deg),
            acc: Math.round(here.accuracy ?? 0),
          });
        } catch (err) {
          distance.textContent = t('whatsnew.go.denied', { reason: err.message });
        }
      },
    },
  });
  return h('section', { class: 'coords go-there', id: 'go-there' },
    h('h3', { text: t('whatsnew.go.title') }),
    h('dl', { class: 'facts' }, rows.flatMap(([name, value]) => [h('dt', { text: name }), h('dd', {}, value)])),
    h('div', { class: 'button-row' },
      h('button', {
        type: 'button', id: 'copy-coords', class: 'secondary', text: t('panel.copy'),
        on: {
          click: async () => {
            try { await copy(decimal); notify(t('panel.copied')); } catch { notify(t('panel.copy.failed'), 'error'); }
          },
        },
      }),
      locateButton),
    h('div', { class: 'button-row' },
      h('a', { id: 'geo-link', class: 'button secondary', href: links.geo, text: t('whatsnew.go.android') }),
      h('a', { id: 'apple-link', class: 'button secondary', href: links.apple, target: '_blank', rel: 'noopener', text: t('whatsnew.go.ios') }),
      h('a', { id: 'google-link', class: 'button secondary', href: links.google, target: '_blank', rel: 'noopener', text: t('whatsnew.go.google') })),
    distance);
}
