// Colours shared by the map, its legend and the chart, so the same thing has the same colour everywhere.
// Fill tells the cause (what a ranger asks first: is it mining?), outline tells where the alert is in its
// life, so both read at once without a second map.

export const STATUSES = ['new', 'under_review', 'verified_mining', 'verified_other', 'false_positive', 'referred', 'closed'];
export const CAUSES = ['mining', 'other'];
export const CONFIDENCES = ['high', 'low'];
// The kinds of centinela.zones.kinds, in the order the legend and the chart list them.
export const ZONE_KINDS = ['protected_area', 'buffer_zone', 'indigenous_land', 'forestry_concession', 'mining_corridor',
  'mining_concession', 'custom', 'admin'];
// Drawing order, bottom first: administrative limits cover everything, so they go under the rest.
export const ZONE_DRAW_ORDER = ['admin', ...ZONE_KINDS.filter((k) => k !== 'admin')];
// Left out of the chart: districts, provinces and departments nest, so stacking them counts a hectare thrice.
export const CHART_EXCLUDED_KINDS = ['admin'];

// The causes' colours come from the server (/api/config's cause_colors, from centinela.palette, which the
// bulletin draws with too); these defaults are the same values, for a page that starts without a config.
export const CAUSE_COLORS = {
  mining: '#d32f2f',
  other: '#2a9d8f',
};
export const CAUSE_FALLBACK = '#9ca3af';

/** Take the causes' colours from /api/config (before the map and legend are drawn): one palette everywhere. */
export function applyPalette(config) {
  const colors = config?.cause_colors;
  if (!colors || typeof colors !== 'object') return;
  for (const [cause, color] of Object.entries(colors)) {
    if (typeof color === 'string' && /^#[0-9a-f]{3,8}$/i.test(color)) CAUSE_COLORS[cause] = color;
  }
}

export const STATUS_COLORS = {
  new: '#ffd60a',
  under_review: '#f72585',
  verified_mining: '#9d0208',
  verified_other: '#0077b6',
  false_positive: '#8d99ae',
  referred: '#7209b7',
  closed: '#1b1b1b',
};
export const STATUS_FALLBACK = '#ffffff';

// fill: polygon colour on the map (drawn faintly), line: its border, chart: its bar in the chart.
export const ZONE_STYLES = {
  protected_area: { fill: '#2d6a4f', fillOpacity: 0.16, line: '#1b4332', width: 2.2, chart: '#2d6a4f' },
  buffer_zone: { fill: '#95d5b2', fillOpacity: 0.12, line: '#40916c', width: 1.6, chart: '#74c69d' },
  indigenous_land: { fill: '#b5651d', fillOpacity: 0.14, line: '#8a4b12', width: 2.2, chart: '#b5651d' },
  mining_corridor: { fill: '#e9c46a', fillOpacity: 0.18, line: '#9c7a00', width: 1.8, chart: '#d4a017' },
  mining_concession: { fill: '#adb5bd', fillOpacity: 0.12, line: '#495057', width: 1.2, chart: '#6c757d' },
  forestry_concession: { fill: '#6a994e', fillOpacity: 0.10, line: '#386641', width: 1.2, chart: '#6a994e' },
  custom: { fill: '#9b5de5', fillOpacity: 0.12, line: '#6a2c91', width: 1.5, chart: '#9b5de5' },
  // No fill (it would tint the whole region), thin grey lines; still clickable for "which district is this".
  admin: { fill: '#5c5f66', fillOpacity: 0, line: '#5c5f66', width: 0.8, chart: '#5c5f66' },
};
export const ZONE_FALLBACK_CHART = '#c9ccd1';

/** A MapLibre `match` expression on a property, from a {value: colour} table. */
export function matchColor(property, table, fallback) {
  return ['match', ['get', property], ...Object.entries(table).flat(), fallback];
}
