// Every string a person reads on the page, in Spanish (default: most users are Peruvian rangers,
// community monitors and prosecutors) and English. One module so a translator edits one file.

export const MESSAGES = {
  es: {
    'app.title': 'Centinela',
    'app.tagline': 'Alertas de minería ilegal · Madre de Dios',
    'lang.toggle': 'English',
    'lang.toggle.aria': 'English: cambiar el idioma a inglés',
    'login.title': 'Iniciar sesión',
    'login.intro': 'Ingrese con la cuenta que le dio su administrador.',
    'login.username': 'Usuario',
    'login.password': 'Contraseña',
    'login.submit': 'Entrar',
    'login.busy': 'Entrando…',
    'login.failed': 'No se pudo iniciar sesión',
    'logout': 'Salir',
    'user.role': 'rol: {role}',
    'role.viewer': 'observador',
    'role.ranger': 'guardaparque',
    'role.analyst': 'analista',
    'role.admin': 'administrador',
    'notice.sensitive': 'Con el rol de observador no se muestran las alertas dentro de áreas sensibles (por ejemplo, territorios indígenas protegidos). Pida a un analista si necesita verlas.',
    'map.label': 'Mapa de alertas y zonas',
    'sheet.show': 'Mostrar panel',
    'sheet.hide': 'Ocultar panel',
    'filters.title': 'Filtros',
    'filters.status': 'Estado',
    'filters.cause': 'Causa',
    'filters.confidence': 'Confianza',
    'filters.all': 'Todos',
    'filters.from': 'Desde (primera detección)',
    'filters.to': 'Hasta',
    'filters.range': '{from} – {to}',
    'alerts.count': '{n} alertas en la vista',
    'alerts.count.one': '1 alerta en la vista',
    'alerts.truncated': 'Se muestran las primeras {n} alertas: acerque el mapa o use los filtros para ver el resto.',
    'alerts.loading': 'Cargando alertas…',
    'alerts.matched': 'Se muestran {n} de {total} alertas: acerque el mapa o use los filtros para ver el resto.',
    'list.title': 'Lista de alertas en la vista',
    'list.more': 'Se listan las {n} más recientes.',
    'cause.mining': 'minería',
    'cause.other': 'otra causa',
    'confidence.high': 'alta',
    'confidence.low': 'baja',
    'confidence.medium': 'media',
    'status.new': 'nueva',
    'status.under_review': 'en revisión',
    'status.verified_mining': 'verificada: minería',
    'status.verified_other': 'verificada: otra causa',
    'status.false_positive': 'falso positivo',
    'status.referred': 'derivada a fiscalía',
    'status.closed': 'cerrada',
    'layers.title': 'Capas y leyenda',
    'layers.base': 'Imagen satelital de fondo',
    'layers.base.date': 'imagen del {date}',
    'layers.zones': 'Zonas',
    'layers.alerts.fill': 'Relleno de alerta: causa',
    'layers.alerts.line': 'Borde de alerta: estado',
    'zone.protected_area': 'Área natural protegida',
    'zone.buffer_zone': 'Zona de amortiguamiento',
    'zone.indigenous_land': 'Territorio indígena',
    'zone.mining_corridor': 'Corredor minero',
    'zone.mining_concession': 'Concesión minera',
    'zone.forestry_concession': 'Concesión forestal',
    'zone.admin': 'Límite administrativo',
    'zone.custom': 'Otra zona',
    'zone.none': 'Fuera de zonas',
    'zone.illustrative': 'ilustrativa',
    'zone.illustrative.long': 'Límite ilustrativo: no es un límite legal.',
    'zone.sensitive': 'Área sensible',
    'zone.source': 'Fuente: {source}',
    'chart.title': 'Hectáreas detectadas por mes y tipo de zona',
    'chart.caption': 'Hectáreas dentro de cada tipo de zona, de las alertas del periodo elegido{cause}; no se muestra lo que cae fuera de toda zona ni los límites administrativos. Una alerta que cruza dos zonas suma en cada una.',
    'chart.caption.cause': ', causa: {cause}',
    'chart.empty': 'No hay hectáreas detectadas dentro de zonas en este periodo.',
    'chart.aria': 'Gráfico de barras apiladas: hectáreas detectadas por mes, de {from} a {to}, en total {total} ha.',
    'chart.bar': '{month} · {kind}: {ha} ha',
    'chart.unit': 'ha',
    'panel.close': 'Cerrar',
    'panel.alert': 'Alerta',
    'panel.loading': 'Cargando alerta…',
    'panel.facts': 'Datos',
    'panel.first_seen': 'Primera detección',
    'panel.confirmed': 'Confirmada',
    'panel.cause': 'Causa',
    'panel.confidence': 'Confianza',
    'panel.area': 'Área',
    'panel.area.value': '{ha} ha',
    'panel.status': 'Estado',
    'panel.assignee': 'Asignada a',
    'panel.zones': 'Zonas',
    'panel.legal_status': 'Situación legal',
    'panel.legal_reasons': 'Fundamento',
    'panel.legal_caveat': 'Base legal y advertencias',
    'panel.reasons': 'Por qué esta causa',
    'panel.coordinates': 'Coordenadas (WGS84)',
    'panel.copy': 'Copiar',
    'panel.copied': 'Coordenadas copiadas',
    'panel.copy.failed': 'No se pudo copiar; seleccione el texto y cópielo a mano.',
    'panel.navigate': 'Abrir en la app de mapas',
    'panel.none': '—',
    'panel.history': 'Historial',
    'panel.history.empty': 'Sin cambios registrados.',
    'panel.notes': 'Notas',
    'panel.notes.empty': 'Sin notas.',
    'panel.status.change': 'Cambiar estado',
    'panel.status.new': 'Nuevo estado',
    'panel.status.note': 'Nota (opcional)',
    'panel.status.submit': 'Guardar estado',
    'panel.status.done': 'Estado actualizado',
    'panel.note.add': 'Agregar nota',
    'panel.note.text': 'Texto de la nota',
    'panel.note.submit': 'Guardar nota',
    'panel.note.done': 'Nota guardada',
    'panel.note.empty': 'Escriba el texto de la nota.',
    'panel.evidence': 'Descargar paquete de evidencia',
    'action.created': 'creada',
    'action.updated': 'actualizada',
    'action.status': 'cambio de estado',
    'action.assign': 'asignación',
    'action.note': 'nota',
    'field.status': 'estado',
    'field.area_ha': 'área (ha)',
    'field.assignee': 'asignada a',
    'field.cause': 'causa',
    'field.confidence': 'confianza',
    'field.first_seen': 'primera detección',
    'field.confirmed': 'confirmada',
    'imagery.title': 'Imágenes antes y después',
    'imagery.show': 'Ver imágenes en el mapa',
    'imagery.hide': 'Quitar imágenes',
    'imagery.loading': 'Buscando imágenes…',
    'imagery.before': 'Antes: {date} (nubes {cloud})',
    'imagery.after': 'Después: {date} (nubes {cloud})',
    'imagery.none.before': 'No hay imagen anterior a la primera detección.',
    'imagery.none.after': 'No hay imagen posterior a la primera detección.',
    'imagery.slider': 'Antes ↔ después',
    'imagery.slider.before': 'antes',
    'imagery.slider.after': 'después',
    'imagery.style': 'Composición',
    'imagery.style.true': 'Color verdadero',
    'imagery.style.false': 'Falso color',
    'error.network': 'No hay conexión con el servidor. Revise la red e intente de nuevo.',
    'error.http': 'Error del servidor ({status})',
    'error.session': 'Su sesión terminó. Inicie sesión de nuevo.',
    'error.map': 'El mapa no pudo iniciarse en este navegador (se necesita WebGL).',
    // --- issue #19: perf ---
    // --- issue #19: offline ---
    // --- issue #19: report ---
    // --- issue #19: whatsnew ---
    // --- issue #19: change ---
  },
  en: {
    'app.title': 'Centinela',
    'app.tagline': 'Illegal mining alerts · Madre de Dios',
    'lang.toggle': 'Español',
    'lang.toggle.aria': 'Español: switch the language to Spanish',
    'login.title': 'Sign in',
    'login.intro': 'Use the account your administrator gave you.',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.busy': 'Signing in…',
    'login.failed': 'Could not sign in',
    'logout': 'Sign out',
    'user.role': 'role: {role}',
    'role.viewer': 'viewer',
    'role.ranger': 'ranger',
    'role.analyst': 'analyst',
    'role.admin': 'administrator',
    'notice.sensitive': 'With the viewer role, alerts inside sensitive areas (for example protected indigenous territories) are not shown. Ask an analyst if you need to see them.',
    'map.label': 'Map of alerts and zones',
    'sheet.show': 'Show panel',
    'sheet.hide': 'Hide panel',
    'filters.title': 'Filters',
    'filters.status': 'Status',
    'filters.cause': 'Cause',
    'filters.confidence': 'Confidence',
    'filters.all': 'All',
    'filters.from': 'From (first detected)',
    'filters.to': 'To',
    'filters.range': '{from} – {to}',
    'alerts.count': '{n} alerts in view',
    'alerts.count.one': '1 alert in view',
    'alerts.truncated': 'Showing the first {n} alerts: zoom in or use the filters to see the rest.',
    'alerts.loading': 'Loading alerts…',
    'alerts.matched': 'Showing {n} of {total} alerts: zoom in or use the filters to see the rest.',
    'list.title': 'List of alerts in view',
    'list.more': 'The {n} most recent are listed.',
    'cause.mining': 'mining',
    'cause.other': 'other cause',
    'confidence.high': 'high',
    'confidence.low': 'low',
    'confidence.medium': 'medium',
    'status.new': 'new',
    'status.under_review': 'under review',
    'status.verified_mining': 'verified: mining',
    'status.verified_other': 'verified: other cause',
    'status.false_positive': 'false positive',
    'status.referred': 'referred to prosecutors',
    'status.closed': 'closed',
    'layers.title': 'Layers and legend',
    'layers.base': 'Satellite image background',
    'layers.base.date': 'image of {date}',
    'layers.zones': 'Zones',
    'layers.alerts.fill': 'Alert fill: cause',
    'layers.alerts.line': 'Alert outline: status',
    'zone.protected_area': 'Protected natural area',
    'zone.buffer_zone': 'Buffer zone',
    'zone.indigenous_land': 'Indigenous territory',
    'zone.mining_corridor': 'Mining corridor',
    'zone.mining_concession': 'Mining concession',
    'zone.forestry_concession': 'Forestry concession',
    'zone.admin': 'Administrative unit',
    'zone.custom': 'Other zone',
    'zone.none': 'Outside zones',
    'zone.illustrative': 'illustrative',
    'zone.illustrative.long': 'Illustrative boundary: not a legal limit.',
    'zone.sensitive': 'Sensitive area',
    'zone.source': 'Source: {source}',
    'chart.title': 'Hectares detected per month by zone kind',
    'chart.caption': 'Hectares inside each zone kind, from the alerts of the chosen period{cause}; what falls outside every zone and administrative units are not shown. An alert crossing two zones counts in each.',
    'chart.caption.cause': ', cause: {cause}',
    'chart.empty': 'No hectares detected inside zones in this period.',
    'chart.aria': 'Stacked bar chart: hectares detected per month, from {from} to {to}, {total} ha in total.',
    'chart.bar': '{month} · {kind}: {ha} ha',
    'chart.unit': 'ha',
    'panel.close': 'Close',
    'panel.alert': 'Alert',
    'panel.loading': 'Loading alert…',
    'panel.facts': 'Facts',
    'panel.first_seen': 'First detected',
    'panel.confirmed': 'Confirmed',
    'panel.cause': 'Cause',
    'panel.confidence': 'Confidence',
    'panel.area': 'Area',
    'panel.area.value': '{ha} ha',
    'panel.status': 'Status',
    'panel.assignee': 'Assigned to',
    'panel.zones': 'Zones',
    'panel.legal_status': 'Legal status',
    'panel.legal_reasons': 'Grounds',
    'panel.legal_caveat': 'Legal basis and caveats',
    'panel.reasons': 'Why this cause',
    'panel.coordinates': 'Coordinates (WGS84)',
    'panel.copy': 'Copy',
    'panel.copied': 'Coordinates copied',
    'panel.copy.failed': 'Could not copy; select the text and copy it by hand.',
    'panel.navigate': 'Open in maps app',
    'panel.none': '—',
    'panel.history': 'History',
    'panel.history.empty': 'No recorded changes.',
    'panel.notes': 'Notes',
    'panel.notes.empty': 'No notes.',
    'panel.status.change': 'Change status',
    'panel.status.new': 'New status',
    'panel.status.note': 'Note (optional)',
    'panel.status.submit': 'Save status',
    'panel.status.done': 'Status updated',
    'panel.note.add': 'Add a note',
    'panel.note.text': 'Note text',
    'panel.note.submit': 'Save note',
    'panel.note.done': 'Note saved',
    'panel.note.empty': 'Write the text of the note.',
    'panel.evidence': 'Download evidence package',
    'action.created': 'created',
    'action.updated': 'updated',
    'action.status': 'status change',
    'action.assign': 'assignment',
    'action.note': 'note',
    'field.status': 'status',
    'field.area_ha': 'area (ha)',
    'field.assignee': 'assigned to',
    'field.cause': 'cause',
    'field.confidence': 'confidence',
    'field.first_seen': 'first detected',
    'field.confirmed': 'confirmed',
    'imagery.title': 'Before and after imagery',
    'imagery.show': 'Show imagery on the map',
    'imagery.hide': 'Remove imagery',
    'imagery.loading': 'Looking for images…',
    'imagery.before': 'Before: {date} (clouds {cloud})',
    'imagery.after': 'After: {date} (clouds {cloud})',
    'imagery.none.before': 'No image before the first detection.',
    'imagery.none.after': 'No image after the first detection.',
    'imagery.slider': 'Before ↔ after',
    'imagery.slider.before': 'before',
    'imagery.slider.after': 'after',
    'imagery.style': 'Composite',
    'imagery.style.true': 'True colour',
    'imagery.style.false': 'False colour',
    'error.network': 'Cannot reach the server. Check the network and try again.',
    'error.http': 'Server error ({status})',
    'error.session': 'Your session ended. Please sign in again.',
    'error.map': 'The map could not start in this browser (WebGL is needed).',
    // --- issue #19: perf ---
    // --- issue #19: offline ---
    // --- issue #19: report ---
    // --- issue #19: whatsnew ---
    // --- issue #19: change ---
  },
};

export const LANGS = ['es', 'en'];
const STORAGE_KEY = 'centinela.lang';
let current = 'es';
const listeners = [];

/** The language stored by the toggle, or null when the person never chose one. */
export function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null; // storage can be disabled (private mode); the page still works in the default
  }
}

export function getLang() {
  return current;
}

/** Switch language; `remember` is true when the person chose it (not when it came from config). */
export function setLang(lang, remember = false) {
  if (!LANGS.includes(lang)) return;
  current = lang;
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* see storedLang */ }
  }
  document.documentElement.lang = lang;
  applyI18n(document);
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

/** Translate a key, filling `{name}` placeholders; an unknown key shows itself so it is easy to spot. */
export function t(key, vars = {}) {
  const msg = MESSAGES[current][key] ?? MESSAGES.es[key] ?? key;
  return msg.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** A label for a value of a known vocabulary (status, cause, zone…), falling back to the raw value. */
export function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return MESSAGES[current][key] ?? value ?? '';
}

/** Fill static markup: data-i18n (text), data-i18n-placeholder, data-i18n-aria-label, data-i18n-title. */
export function applyI18n(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

/** Numbers the way each language reads them (Peru uses the point as decimal separator too). */
export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return t('panel.none');
  const locale = current === 'es' ? 'es-PE' : 'en-GB';
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(value));
}

/** "2024-07" → "jul 2024" / "Jul 2024". Built from UTC so no time zone shifts the month. */
export function formatMonth(month) {
  const [y, m] = month.split('-').map(Number);
  const locale = current === 'es' ? 'es-PE' : 'en-GB';
  const name = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
  return `${name.replace('.', '')} ${y}`;
}
