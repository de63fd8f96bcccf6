"""Messages a field user reads, in Spanish and English.

The language comes from ``--lang`` or ``CENTINELA_LANG``; Spanish is the default because most
of our users (rangers, community monitors, prosecutors in Peru) read Spanish first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

LANGS = ("es", "en")
DEFAULT_LANG = "es"

MESSAGES: dict[str, dict[str, str]] = {
    # --- CLI help -----------------------------------------------------------------------------
    "app.help": {
        "en": "Centinela: detect and act on illegal gold mining in tropical forests from satellite imagery.",
        "es": "Centinela: detectar y actuar contra la minería ilegal de oro en bosques tropicales con imágenes satelitales.",
    },
    "opt.lang": {
        "en": "Language of messages and help: es or en (or set CENTINELA_LANG).",
        "es": "Idioma de mensajes y ayuda: es o en (o defina CENTINELA_LANG).",
    },
    "opt.verbose": {"en": "Show more detail (debug log).", "es": "Mostrar más detalle (registro de depuración)."},
    "cmd.simulate": {
        "en": "Simulate a realistic Sentinel-2 L2A time series (COGs + STAC catalog + ground truth).",
        "es": "Simular una serie temporal realista de Sentinel-2 L2A (COG + catálogo STAC + verdad de campo).",
    },
    "cmd.quicklook": {
        "en": "Draw quick-look PNGs (true and false colour, cloud cover by date) from a STAC catalog.",
        "es": "Dibujar vistas rápidas PNG (color verdadero y falso, nubosidad por fecha) desde un catálogo STAC.",
    },
    "cmd.demo": {
        "en": "Run the main job on the embedded default: simulate a scene, detect mining, draw maps.",
        "es": "Ejecutar el trabajo principal con la configuración embebida: simular una escena, detectar minería, dibujar mapas.",
    },
    "cmd.detect": {
        "en": "Detect new forest loss and tell mining from other causes; write alerts to a GeoPackage.",
        "es": "Detectar nueva pérdida de bosque y distinguir minería de otras causas; escribir alertas en un GeoPackage.",
    },
    "opt.alerts_out": {
        "en": "Output GeoPackage of alerts (layer 'alerts').",
        "es": "GeoPackage de salida con las alertas (capa 'alerts').",
    },
    "opt.mmu": {"en": "Minimum mapping unit in hectares.", "es": "Unidad mínima de mapeo en hectáreas."},
    "opt.state": {
        "en": "Folder of the per-pixel state (default: next to --out); lets later runs add only new dates.",
        "es": "Carpeta del estado por píxel (por defecto: junto a --out); permite que otras corridas agreguen solo fechas nuevas.",
    },
    "opt.history": {
        "en": "Days before --start read to learn each pixel's baseline.",
        "es": "Días antes de --start que se leen para aprender la línea base de cada píxel.",
    },
    "cmd.restore": {
        "en": "Restoration of mined land: recovery tracking, inventory of abandoned mining sites, alternative land uses.",
        "es": "Restauración de tierras minadas: seguimiento de la recuperación, inventario de sitios mineros abandonados, usos alternativos.",
    },
    "cmd.rs_track": {
        "en": "Track the recovery of restoration sites (vegetation by date, trend, status); re-disturbance becomes an alert with --store.",
        "es": "Seguir la recuperación de sitios en restauración (vegetación por fecha, tendencia, estado); una nueva perturbación se vuelve alerta con --store.",
    },
    "cmd.rs_inventory": {
        "en": "Inventory of mined land from mining alerts and footprints: abandoned sites, area, ponds, age, distances.",
        "es": "Inventario de tierras minadas a partir de alertas y huellas de minería: sitios abandonados, área, pozas, antigüedad, distancias.",
    },
    "cmd.rs_suitability": {
        "en": "Rank alternative land uses of the inventory's sites (weights and rules in a YAML file); GeoPackage, CSV and map.",
        "es": "Ordenar usos alternativos de los sitios del inventario (pesos y reglas en un archivo YAML); GeoPackage, CSV y mapa.",
    },
    "cmd.rs_rules": {
        "en": "Write a copy of the default suitability rules (YAML) to edit.",
        "es": "Escribir una copia de las reglas de aptitud por defecto (YAML) para editarla.",
    },
    "opt.rs_sites": {
        "en": "Polygons of mined or replanted land (GeoPackage, GeoJSON, Shapefile…) with a CRS; optional site id and planting date (YYYY-MM-DD).",
        "es": "Polígonos de tierra minada o replantada (GeoPackage, GeoJSON, Shapefile…) con SRC; id de sitio y fecha de plantación (AAAA-MM-DD) opcionales.",
    },
    "opt.rs_start": {
        "en": "First acquisition date (YYYY-MM-DD); default: half a year before the earliest planting date, else the whole catalog.",
        "es": "Primera fecha de adquisición (AAAA-MM-DD); por defecto: medio año antes de la primera plantación, si no todo el catálogo.",
    },
    "opt.rs_store_alerts": {
        "en": "Store where re-disturbance becomes a mining alert (GeoPackage path or postgresql:// URL); none: no alert is written.",
        "es": "Almacén donde una nueva perturbación se vuelve alerta de minería (GeoPackage o URL postgresql://); sin él no se escribe alerta.",
    },
    "opt.rs_store_hg": {
        "en": "Store holding the mercury results (GeoPackage path or postgresql:// URL); or set CENTINELA_STORE.",
        "es": "Almacén con los resultados de mercurio (GeoPackage o URL postgresql://); o defina CENTINELA_STORE.",
    },
    "opt.rs_id_field": {
        "en": "Field with each site's id (default: site_id, id, name… or S001, S002…).",
        "es": "Campo con el id de cada sitio (por defecto: site_id, id, name… o S001, S002…).",
    },
    "opt.rs_planting_field": {
        "en": "Field with the planting date (default: planting_date, planted, fecha_plantacion… if present).",
        "es": "Campo con la fecha de plantación (por defecto: planting_date, planted, fecha_plantacion… si existe).",
    },
    "opt.rs_alerts": {
        "en": "Alerts GeoPackage from centinela detect (mining alerts are used); default: the mining alerts in the store.",
        "es": "GeoPackage de alertas de centinela detect (se usan las de minería); por defecto: las alertas de minería del almacén.",
    },
    "opt.rs_footprints": {
        "en": "Other mining polygons, e.g. Amazon Mining Watch (period YYYYPP) or any layer with event_date.",
        "es": "Otros polígonos de minería, p. ej. Amazon Mining Watch (period AAAAPP) o cualquier capa con event_date.",
    },
    "opt.rs_as_of": {
        "en": "Date of the inventory (YYYY-MM-DD); default: the last image.",
        "es": "Fecha del inventario (AAAA-MM-DD); por defecto: la última imagen.",
    },
    "opt.rs_months": {
        "en": "Months without new disturbance for a site to count as abandoned.",
        "es": "Meses sin nueva perturbación para que un sitio cuente como abandonado.",
    },
    "opt.rs_roads": {
        "en": "Roads layer (optional), for distance to roads.",
        "es": "Capa de vías (opcional), para la distancia a vías.",
    },
    "opt.rs_rivers": {
        "en": "Rivers layer (optional; file.gpkg#layer picks a layer).",
        "es": "Capa de ríos (opcional; archivo.gpkg#capa elige una capa).",
    },
    "opt.rs_communities": {
        "en": "Communities layer (optional), for distance to communities.",
        "es": "Capa de comunidades (opcional), para la distancia a comunidades.",
    },
    "opt.rs_refine": {
        "en": "Keep only the mined ground inside footprints (not forest, bare or flooded on some looks).",
        "es": "Conservar solo el suelo minado dentro de las huellas (no bosque, desnudo o inundado en algunas vistas).",
    },
    "opt.rs_inventory": {
        "en": "inventory.gpkg from centinela restore inventory.",
        "es": "inventory.gpkg de centinela restore inventory.",
    },
    "opt.rs_rules": {
        "en": "Suitability rules (YAML); default: the bundled ones (centinela restore rules writes a copy).",
        "es": "Reglas de aptitud (YAML); por defecto: las incluidas (centinela restore rules escribe una copia).",
    },
    "opt.rs_rules_out": {"en": "Where to write the rules file.", "es": "Dónde escribir el archivo de reglas."},
    "rs.progress": {"en": "Reading the imagery of the sites", "es": "Leyendo las imágenes de los sitios"},
    "rs.track_done": {
        "en": "{n} sites tracked: {recovering} recovering, {recovered} recovered, {stalled} stalled, {redisturbed} re-disturbed, {other} without enough data",
        "es": "{n} sitios seguidos: {recovering} en recuperación, {recovered} recuperados, {stalled} estancados, {redisturbed} perturbados de nuevo, {other} sin datos suficientes",
    },
    "rs.alerts": {
        "en": "Re-disturbance alerts in {store}: {created} new, {updated} updated, {unchanged} unchanged, {noted} added as a note to an open alert",
        "es": "Alertas de nueva perturbación en {store}: {created} nuevas, {updated} actualizadas, {unchanged} sin cambios, {noted} añadidas como nota a una alerta abierta",
    },
    "rs.sites_recorded": {
        "en": "Sites in {store}: {added} new, {changed} with a new result, {unchanged} unchanged",
        "es": "Sitios en {store}: {added} nuevos, {changed} con un resultado nuevo, {unchanged} sin cambios",
    },
    "rs.alerts_no_store": {
        "en": "{n} re-disturbance(s) found: layer 'alerts' of tracking.gpkg; give --store to put them in the store",
        "es": "{n} nueva(s) perturbación(es): capa 'alerts' de tracking.gpkg; use --store para llevarlas al almacén",
    },
    "rs.inv_done": {
        "en": "{n} mining sites as of {as_of} ({abandoned} abandoned, {active} active, {undetermined} undetermined), {ha:.1f} ha, {ponds} ponds",
        "es": "{n} sitios mineros al {as_of} ({abandoned} abandonados, {active} activos, {undetermined} indeterminados), {ha:.1f} ha, {ponds} pozas",
    },
    "rs.suit_done": {
        "en": "{n} sites assessed; best option: {summary}",
        "es": "{n} sitios evaluados; mejor opción: {summary}",
    },
    "rs.hg_flagged": {
        "en": "{n} site(s) with mercury above a standard nearby: options ruled out and flagged (see 'flags')",
        "es": "{n} sitio(s) con mercurio sobre un estándar en las cercanías: opciones descartadas y marcadas (ver 'flags')",
    },
    "rs.none": {"en": "none", "es": "ninguna"},
    "rs.note": {"en": "note: {text}", "es": "nota: {text}"},
    "rs.rules_written": {
        "en": "Rules written to {path}: edit weights and rules, then use --rules {path}",
        "es": "Reglas escritas en {path}: edite pesos y reglas, luego use --rules {path}",
    },
    "rs.demo_done": {
        "en": "Restoration: {n_inv} mining sites ({abandoned} abandoned), {n_track} tracked ({recovering} recovering or recovered, {redisturbed} re-disturbed), {hg} with mercury flags",
        "es": "Restauración: {n_inv} sitios mineros ({abandoned} abandonados), {n_track} en seguimiento ({recovering} en recuperación o recuperados, {redisturbed} perturbados de nuevo), {hg} con alertas de mercurio",
    },
    "rs.status.re-disturbed": {"en": "re-disturbed", "es": "perturbado de nuevo"},
    "rs.status.recovered": {"en": "recovered", "es": "recuperado"},
    "rs.status.recovering": {"en": "recovering", "es": "en recuperación"},
    "rs.status.stalled": {"en": "stalled", "es": "estancado"},
    "rs.status.insufficient_data": {"en": "not enough clear looks", "es": "pocas vistas despejadas"},
    "rs.status.outside_imagery": {"en": "outside the imagery", "es": "fuera de las imágenes"},
    "rs.fig.traj_title": {"en": "Recovery of restoration sites", "es": "Recuperación de sitios en restauración"},
    "rs.fig.ndvi": {"en": "NDVI (site median)", "es": "NDVI (mediana del sitio)"},
    "rs.fig.trend": {"en": "Theil–Sen trend", "es": "tendencia de Theil–Sen"},
    "rs.fig.veg": {"en": "vegetated share (right axis)", "es": "fracción con vegetación (eje derecho)"},
    "rs.fig.reference": {"en": "80% of nearby forest NDVI", "es": "80 % del NDVI del bosque cercano"},
    "rs.fig.planted": {"en": "planting", "es": "plantación"},
    "rs.fig.redisturbed": {"en": "re-disturbance", "es": "nueva perturbación"},
    "rs.fig.map_title": {
        "en": "Alternative land uses of mining sites (best option)",
        "es": "Usos alternativos de sitios mineros (mejor opción)",
    },
    "rs.fig.judgement": {
        "en": "weights and thresholds: expert judgement (suitability.yaml), not validated in the field",
        "es": "pesos y umbrales: criterio experto (suitability.yaml), no validados en campo",
    },
    "rs.fig.none": {"en": "no option (or active mining)", "es": "ninguna opción (o minería activa)"},
    "rs.fig.hg_flag": {"en": "mercury above a standard nearby", "es": "mercurio sobre un estándar cerca"},
    "rs.fig.active": {"en": "mining active", "es": "minería activa"},
    "rs.fig.ponds": {"en": "ponds", "es": "pozas"},
    # --- drone orthomosaics (issue #9, part 4) --------------------------------------------------
    "cmd.drone": {
        "en": "Drone orthomosaics: ingest, cover per site, compare two flights, simulate flights.",
        "es": "Ortomosaicos de dron: ingresar, cobertura por sitio, comparar dos vuelos, simular vuelos.",
    },
    "cmd.drone_ingest": {
        "en": "Validate a drone orthomosaic (e.g. OpenDroneMap's odm_orthophoto.tif), store it as a COG for the web map, and compute vegetation indices and vegetation/bare/water cover for the sites it covers.",
        "es": "Validar un ortomosaico de dron (p. ej. odm_orthophoto.tif de OpenDroneMap), guardarlo como COG para el mapa web y calcular índices de vegetación y la cobertura vegetación/suelo desnudo/agua de los sitios que cubre.",
    },
    "cmd.drone_list": {"en": "List the drone flights in the store.", "es": "Listar los vuelos de dron del almacén."},
    "cmd.drone_compare": {
        "en": "Compare two flights of the same site (files or ingested flight ids; the earlier first): change map and hectares changed between classes.",
        "es": "Comparar dos vuelos del mismo sitio (archivos o id de vuelos ingresados; el más antiguo primero): mapa de cambios y hectáreas que cambiaron de clase.",
    },
    "cmd.drone_simulate": {
        "en": "Simulate drone orthomosaics (0.1 m, SIMULATED) of a mined site under restoration, with their truth, to test without real flights.",
        "es": "Simular ortomosaicos de dron (0,1 m, SIMULADOS) de un sitio minado en restauración, con su verdad, para probar sin vuelos reales.",
    },
    "opt.drone_sites": {
        "en": "Sites to report cover for: polygons in a vector file (FILE or FILE#layer); a 'site' or 'name' column names them.",
        "es": "Sitios para los que informar la cobertura: polígonos en un archivo vectorial (ARCHIVO o ARCHIVO#capa); una columna 'site' o 'name' los nombra.",
    },
    "opt.drone_out": {
        "en": "Folder for the outputs (a subfolder per flight: classes, indices, cover table and picture).",
        "es": "Carpeta de salida (una subcarpeta por vuelo: clases, índices, tabla y figura de cobertura).",
    },
    "opt.drone_compare_out": {
        "en": "Folder for the change map (GeoTIFF and PNG) and the areas (CSV, JSON).",
        "es": "Carpeta para el mapa de cambios (GeoTIFF y PNG) y las áreas (CSV, JSON).",
    },
    "opt.drone_date": {
        "en": "Flight date YYYY-MM-DD (default: from the file's tags or name).",
        "es": "Fecha del vuelo AAAA-MM-DD (por defecto: de las etiquetas o el nombre del archivo).",
    },
    "opt.drone_bands": {
        "en": "Band names in file order when the file does not say, e.g. red,green,blue,nir,alpha ('-' skips one).",
        "es": "Nombres de bandas en el orden del archivo cuando este no los indica, p. ej. red,green,blue,nir,alpha ('-' omite una).",
    },
    "opt.drone_reproject": {
        "en": "Warp an orthomosaic in degrees (or another CRS) to its UTM zone before measuring areas.",
        "es": "Reproyectar un ortomosaico en grados (u otro CRS) a su zona UTM antes de medir áreas.",
    },
    "opt.drone_thresholds": {
        "en": "YAML file of cover thresholds (default: the bundled cover.yaml, with sources).",
        "es": "Archivo YAML de umbrales de cobertura (por defecto: cover.yaml incluido, con fuentes).",
    },
    "opt.drone_align": {
        "en": "Remove the offset estimated between the two flights (GPS-only flights are often 1–3 m apart).",
        "es": "Corregir el desfase estimado entre los dos vuelos (vuelos solo con GPS suelen diferir 1–3 m).",
    },
    "opt.drone_dates": {
        "en": "Flight date YYYY-MM-DD (repeat for several flights; default 2024-07-15 and 2025-07-20).",
        "es": "Fecha de vuelo AAAA-MM-DD (repetir para varios vuelos; por defecto 2024-07-15 y 2025-07-20).",
    },
    "opt.drone_res": {"en": "Pixel size in metres (0.02–0.5).", "es": "Tamaño de píxel en metros (0,02–0,5)."},
    "opt.drone_size_m": {"en": "Side of the simulated site in metres.", "es": "Lado del sitio simulado en metros."},
    "opt.drone_multispectral": {
        "en": "Write red, green, blue and NIR reflectance (uint16) instead of an 8-bit RGB photo.",
        "es": "Escribir reflectancia roja, verde, azul e infrarroja (uint16) en vez de una foto RGB de 8 bits.",
    },
    "drone.progress_cover": {"en": "Classifying cover", "es": "Clasificando la cobertura"},
    "drone.progress_compare": {"en": "Comparing flights", "es": "Comparando vuelos"},
    "drone.ingested": {
        "en": "{id}: {file} ingested ({res:.2f} m, bands {bands}, flight {date}); stored as {cog}",
        "es": "{id}: {file} ingresado ({res:.2f} m, bandas {bands}, vuelo {date}); guardado como {cog}",
    },
    "drone.already": {
        "en": "{file} was already ingested as {id} (same SHA-256); the store is unchanged",
        "es": "{file} ya estaba ingresado como {id} (mismo SHA-256); el almacén no cambia",
    },
    "drone.no_date": {"en": "date unknown (use --date)", "es": "fecha desconocida (use --date)"},
    "drone.whole": {"en": "whole orthomosaic", "es": "ortomosaico completo"},
    "drone.cover_row": {
        "en": "{site}: vegetation {veg:.1%} ({veg_ha:.3f} ha), bare {bare:.1%}, water {water:.1%}, shadow {shadow:.1%} of {ha:.3f} ha seen; ExG {exg:.3f}, VARI {vari:.3f}",
        "es": "{site}: vegetación {veg:.1%} ({veg_ha:.3f} ha), suelo desnudo {bare:.1%}, agua {water:.1%}, sombra {shadow:.1%} de {ha:.3f} ha vistas; ExG {exg:.3f}, VARI {vari:.3f}",
    },
    "drone.not_covered": {
        "en": "sites this flight does not cover: {names}",
        "es": "sitios que este vuelo no cubre: {names}",
    },
    "drone.no_flights": {"en": "no drone flights in {store}", "es": "no hay vuelos de dron en {store}"},
    "drone.compare_done": {
        "en": "{a} → {b}: vegetation gained {gain:.3f} ha, lost {loss:.3f} ha (bare → vegetation {b2v:.3f} ha); new water {nw:.3f} ha, water gone {wl:.3f} ha; {overlap:.3f} ha seen in both",
        "es": "{a} → {b}: vegetación ganada {gain:.3f} ha, perdida {loss:.3f} ha (suelo desnudo → vegetación {b2v:.3f} ha); agua nueva {nw:.3f} ha, agua desaparecida {wl:.3f} ha; {overlap:.3f} ha vistas en ambos",
    },
    "drone.shift": {
        "en": "offset between flights: {m:.2f} m ({east:+.2f} m east, {north:+.2f} m north), {applied}",
        "es": "desfase entre vuelos: {m:.2f} m ({east:+.2f} m este, {north:+.2f} m norte), {applied}",
    },
    "drone.applied": {"en": "corrected", "es": "corregido"},
    "drone.not_applied": {"en": "not corrected (--align corrects it)", "es": "no corregido (--align lo corrige)"},
    "drone.simulated_done": {
        "en": "{n} SIMULATED flight(s) of a {size:.0f} m site at {res} m written to {out}",
        "es": "{n} vuelo(s) SIMULADO(S) de un sitio de {size:.0f} m a {res} m escritos en {out}",
    },
    "drone.true_colour": {"en": "True colour", "es": "Color verdadero"},
    "drone.cover_classes": {"en": "Cover classes", "es": "Clases de cobertura"},
    "drone.cover_title": {"en": "Drone orthomosaic cover", "es": "Cobertura del ortomosaico de dron"},
    "drone.cls_vegetation": {"en": "vegetation", "es": "vegetación"},
    "drone.cls_bare": {"en": "bare ground", "es": "suelo desnudo"},
    "drone.cls_water": {"en": "water", "es": "agua"},
    "drone.cls_shadow": {"en": "shadow", "es": "sombra"},
    "drone.change_title": {"en": "Change between drone flights", "es": "Cambio entre vuelos de dron"},
    "drone.ch_21": {"en": "bare → vegetation", "es": "suelo desnudo → vegetación"},
    "drone.ch_31": {"en": "water → vegetation", "es": "agua → vegetación"},
    "drone.ch_12": {"en": "vegetation → bare", "es": "vegetación → suelo desnudo"},
    "drone.ch_13": {"en": "vegetation → water", "es": "vegetación → agua"},
    "drone.ch_23": {"en": "bare → water", "es": "suelo desnudo → agua"},
    "drone.ch_32": {"en": "water → bare", "es": "agua → suelo desnudo"},
    "drone.ch_same": {"en": "no change", "es": "sin cambio"},
    "drone.ch_uncertain": {"en": "shadow (uncertain)", "es": "sombra (incierto)"},
    "drone.ch_gain": {"en": "vegetation gained", "es": "vegetación ganada"},
    "drone.ch_loss": {"en": "lost", "es": "perdida"},
    "drone.ch_overlap": {"en": "seen in both", "es": "vistas en ambos"},
    "opt.dask_scheduler": {
        "en": "Run on a Dask distributed cluster: its scheduler address (tcp://host:8786) or local:N for N local worker processes; same result as without it.",
        "es": "Ejecutar en un clúster Dask distribuido: la dirección de su planificador (tcp://host:8786) o local:N para N procesos locales; mismo resultado que sin él.",
    },
    "opt.threads": {
        "en": "Threads that fold rows of blocks on this machine (default: one per core); same result with any number.",
        "es": "Hilos que procesan filas de bloques en esta máquina (por defecto: uno por núcleo); mismo resultado con cualquier número.",
    },
    "det.progress": {"en": "Detecting", "es": "Detectando"},
    "det.done": {
        "en": "{n} alerts ({n_mining} mining, {ha_mining:.1f} ha; {n_high} high confidence) written to {out}",
        "es": "{n} alertas ({n_mining} de minería, {ha_mining:.1f} ha; {n_high} de confianza alta) escritas en {out}",
    },
    "cmd.zones": {
        "en": "Zone layers: import, list, statistics.",
        "es": "Capas de zonas: importar, listar, estadísticas.",
    },
    "cmd.zones_import": {
        "en": "Import a zone layer (GeoPackage, zipped Shapefile, GeoJSON, KML, FlatGeobuf) into the store.",
        "es": "Importar una capa de zonas (GeoPackage, Shapefile en zip, GeoJSON, KML, FlatGeobuf) al almacén.",
    },
    "cmd.zones_list": {
        "en": "List the zone layers in use, with their sources.",
        "es": "Listar las capas de zonas en uso, con sus fuentes.",
    },
    "cmd.zones_stats": {
        "en": "Hectares by zone, period and cause (equal-area), from alerts or a footprint history.",
        "es": "Hectáreas por zona, periodo y causa (áreas iguales), a partir de alertas o de un historial de huellas.",
    },
    "cmd.report": {
        "en": "Write the bulletin (HTML and PDF) for a period.",
        "es": "Escribir el boletín (HTML y PDF) de un periodo.",
    },
    "opt.store": {
        "en": "Store file (GeoPackage) or sqlite:/// URL; or set CENTINELA_STORE.",
        "es": "Archivo del almacén (GeoPackage) o URL sqlite:///; o defina CENTINELA_STORE.",
    },
    "opt.zone_file": {"en": "Vector file of zones.", "es": "Archivo vectorial de zonas."},
    "opt.kind": {
        "en": "Kind: protected_area, buffer_zone, indigenous_land, mining_corridor, mining_concession, forestry_concession, admin, custom.",
        "es": "Tipo: protected_area, buffer_zone, indigenous_land, mining_corridor, mining_concession, forestry_concession, admin, custom.",
    },
    "opt.name_field": {"en": "Field holding each zone's name.", "es": "Campo con el nombre de cada zona."},
    "opt.source": {
        "en": "Where the layer comes from (kept as provenance).",
        "es": "De dónde viene la capa (se guarda como procedencia).",
    },
    "opt.licence": {"en": "Licence of the layer.", "es": "Licencia de la capa."},
    "opt.layer": {
        "en": "Layer name in the store (default: from the file name).",
        "es": "Nombre de la capa en el almacén (por defecto: el del archivo).",
    },
    "opt.illustrative": {
        "en": "Mark the layer as illustrative (not a legal boundary).",
        "es": "Marcar la capa como ilustrativa (no es un límite legal).",
    },
    "opt.alerts_in": {
        "en": "Alerts GeoPackage (layer 'alerts') from centinela detect.",
        "es": "GeoPackage de alertas (capa 'alerts') de centinela detect.",
    },
    "opt.alerts_in_or_store": {
        "en": "Alerts GeoPackage from centinela detect; default: the alerts in the store.",
        "es": "GeoPackage de alertas de centinela detect; por defecto: las alertas del almacén.",
    },
    "opt.footprint": {
        "en": "Any polygon layer with a 'period' (YYYYPP) or 'date' field, e.g. Amazon Mining Watch.",
        "es": "Cualquier capa de polígonos con campo 'period' (AAAAPP) o 'date', p. ej. Amazon Mining Watch.",
    },
    "opt.from": {"en": "First day of the period (YYYY-MM-DD).", "es": "Primer día del periodo (AAAA-MM-DD)."},
    "opt.to": {"en": "Last day of the period (YYYY-MM-DD).", "es": "Último día del periodo (AAAA-MM-DD)."},
    "opt.area": {
        "en": "Limit the bulletin to one zone by name (e.g. TAMBOPATA).",
        "es": "Limitar el boletín a una zona por su nombre (p. ej. TAMBOPATA).",
    },
    "opt.report_lang": {"en": "Language of the bulletin: es or en.", "es": "Idioma del boletín: es o en."},
    "opt.catalog_bg": {
        "en": "STAC catalog for a satellite background on the map (optional).",
        "es": "Catálogo STAC para un fondo satelital en el mapa (opcional).",
    },
    "zones.imported": {
        "en": "{n} zones of kind {kind} stored as layer '{layer}' in {store} ({repaired} invalid geometries repaired).",
        "es": "{n} zonas de tipo {kind} guardadas como capa '{layer}' en {store} ({repaired} geometrías inválidas reparadas).",
    },
    "zones.stats_done": {"en": "Statistics written: {csv} and {gpkg}", "es": "Estadísticas escritas: {csv} y {gpkg}"},
    "report.progress": {"en": "Writing bulletin", "es": "Escribiendo boletín"},
    "report.done": {"en": "Bulletin written: {html} and {pdf}", "es": "Boletín escrito: {html} y {pdf}"},
    "cmd.alerts": {
        "en": "Alerts in the store: ingest, list, show, change status, assign, note, export.",
        "es": "Alertas del almacén: ingresar, listar, mostrar, cambiar estado, asignar, anotar, exportar.",
    },
    "cmd.alerts_ingest": {
        "en": "Merge the alerts of a detection GeoPackage into the store (no duplicates).",
        "es": "Integrar las alertas de un GeoPackage de detección al almacén (sin duplicados).",
    },
    "cmd.alerts_list": {
        "en": "List alerts, filtered; as a table, CSV or GeoJSON.",
        "es": "Listar alertas, con filtros; como tabla, CSV o GeoJSON.",
    },
    "cmd.alerts_show": {
        "en": "Show one alert with its history and notes.",
        "es": "Mostrar una alerta con su historial y notas.",
    },
    "cmd.alerts_status": {
        "en": "Change an alert's status (new, under_review, verified_mining, verified_other, false_positive, referred, closed).",
        "es": "Cambiar el estado de una alerta (new, under_review, verified_mining, verified_other, false_positive, referred, closed).",
    },
    "cmd.alerts_assign": {"en": "Assign an alert to a person.", "es": "Asignar una alerta a una persona."},
    "cmd.alerts_note": {"en": "Add a note to an alert.", "es": "Agregar una nota a una alerta."},
    "cmd.alerts_export": {
        "en": "Export alerts for GIS and the field: GeoJSON, GeoPackage, KML/KMZ, GPX, CSV.",
        "es": "Exportar alertas para SIG y campo: GeoJSON, GeoPackage, KML/KMZ, GPX, CSV.",
    },
    "cmd.audit": {"en": "The audit log of every change.", "es": "El registro de auditoría de cada cambio."},
    "cmd.audit_verify": {
        "en": "Check that the audit log was not altered and that alerts and notes are as it recorded them.",
        "es": "Comprobar que el registro de auditoría no fue alterado y que alertas y notas están como las registró.",
    },
    "cmd.audit_checkpoint": {
        "en": "Write the audit chain's head (entry number and hash) to a file, signed with --key; keep it away from the store.",
        "es": "Escribir la cabeza de la cadena de auditoría (número y hash) en un archivo, firmado con --key; guárdelo lejos del almacén.",
    },
    "cmd.audit_keygen": {
        "en": "Make an Ed25519 key pair to sign checkpoints (keep the private key outside the store).",
        "es": "Crear un par de claves Ed25519 para firmar puntos de control (guarde la clave privada fuera del almacén).",
    },
    "opt.checkpoint": {
        "en": "A checkpoint file from `audit checkpoint`: its entry must still be in the log, unaltered.",
        "es": "Un punto de control de `audit checkpoint`: su entrada debe seguir en el registro, sin alterar.",
    },
    "opt.public_key": {
        "en": "Public key (PEM) that must have signed the checkpoint.",
        "es": "Clave pública (PEM) que debe haber firmado el punto de control.",
    },
    "opt.signing_key": {
        "en": "Private Ed25519 key (PEM) to sign with; or set CENTINELA_AUDIT_KEY. None: unsigned.",
        "es": "Clave privada Ed25519 (PEM) para firmar; o defina CENTINELA_AUDIT_KEY. Sin ella: sin firma.",
    },
    "audit.checkpoint_done": {
        "en": "Checkpoint of entry {seq} ({hash}…) written to {out}{signed}.",
        "es": "Punto de control de la entrada {seq} ({hash}…) escrito en {out}{signed}.",
    },
    "audit.signed": {"en": ", signed", "es": ", firmado"},
    "audit.unsigned": {
        "en": ", NOT signed (give --key to sign)",
        "es": ", SIN firma (use --key para firmar)",
    },
    "audit.keygen_done": {
        "en": "Private key: {private} (keep it secret, outside the store). Public key: {public} (give it to verifiers).",
        "es": "Clave privada: {private} (secreta, fuera del almacén). Clave pública: {public} (entréguela a quien verifique).",
    },
    "cmd.store": {"en": "The store as a whole.", "es": "El almacén en su conjunto."},
    "cmd.store_copy": {
        "en": "Copy every row of the store (--store) into an empty one on any backend (--to), audit log included.",
        "es": "Copiar cada fila del almacén (--store) a uno vacío en cualquier motor (--to), con su registro de auditoría.",
    },
    "opt.copy_to": {
        "en": "The empty destination store: a GeoPackage path or a postgresql:// URL.",
        "es": "El almacén de destino, vacío: ruta de GeoPackage o URL postgresql://.",
    },
    "store.copied": {
        "en": "Copied {n} rows from {src} to {dst}:",
        "es": "Copiadas {n} filas de {src} a {dst}:",
    },
    "audit.head": {
        "en": "Audit log head: entry {seq}, SHA-256 {hash}",
        "es": "Cabeza del registro de auditoría: entrada {seq}, SHA-256 {hash}",
    },
    "opt.actor": {
        "en": "Who makes the change (or set CENTINELA_USER).",
        "es": "Quién hace el cambio (o defina CENTINELA_USER).",
    },
    "opt.note": {"en": "A note recorded with the change.", "es": "Una nota registrada con el cambio."},
    "opt.f_status": {"en": "Only alerts with this status.", "es": "Solo alertas con este estado."},
    "opt.f_cause": {"en": "Only this cause: mining or other.", "es": "Solo esta causa: mining u other."},
    "opt.f_confidence": {"en": "Only this confidence: low or high.", "es": "Solo esta confianza: low o high."},
    "opt.known_mining": {
        "en": "Mining already mapped, as context for the cause (a vector file with AMW 'period' codes or a date "
        "field; 'none' for none). Default: the bundled Amazon Mining Watch footprints of Madre de Dios.",
        "es": "Minería ya cartografiada, como contexto para la causa (archivo vectorial con códigos 'period' de AMW "
        "o un campo de fecha; 'none' para ninguno). Por defecto: las huellas de Amazon Mining Watch de Madre de "
        "Dios incluidas.",
    },
    "opt.model": {
        "en": "Attribution model (YAML written by 'centinela attribution train'); default: the bundled one.",
        "es": "Modelo de atribución (YAML escrito por 'centinela attribution train'); por defecto: el incluido.",
    },
    "cmd.attribution": {
        "en": "The model that says whether a patch of forest loss is mining.",
        "es": "El modelo que dice si un parche de pérdida de bosque es minería.",
    },
    "cmd.attribution_train": {
        "en": "Refit the attribution model on the verdicts of reviewed alerts (verified mining, other cause, false "
        "positive) in the store; writes a model file for --model.",
        "es": "Reajustar el modelo de atribución con los veredictos de alertas revisadas (minería verificada, otra "
        "causa, falso positivo) del almacén; escribe un archivo de modelo para --model.",
    },
    "opt.model_out": {"en": "Model file (YAML) to write.", "es": "Archivo de modelo (YAML) a escribir."},
    "attr.trained": {
        "en": "Model refitted on {n} verdicts ({yes} mining, {no} not mining): {out}",
        "es": "Modelo reajustado con {n} veredictos ({yes} minería, {no} no minería): {out}",
    },
    "attr.scores_before": {
        "en": "  previous model on these verdicts: accuracy {acc:.2f}, Brier {brier:.3f}, log loss {ll:.3f}",
        "es": "  modelo anterior con estos veredictos: exactitud {acc:.2f}, Brier {brier:.3f}, log loss {ll:.3f}",
    },
    "attr.scores_after": {
        "en": "  refitted, cross-validated (5 folds): accuracy {acc:.2f}, Brier {brier:.3f}, log loss {ll:.3f}",
        "es": "  reajustado, validación cruzada (5 partes): exactitud {acc:.2f}, Brier {brier:.3f}, log loss {ll:.3f}",
    },
    "opt.f_prob": {
        "en": "Only alerts whose probability of mining is at least this (0–1).",
        "es": "Solo alertas cuya probabilidad de minería sea al menos esta (0–1).",
    },
    "opt.f_area": {
        "en": "Only alerts of at least this many hectares.",
        "es": "Solo alertas de al menos estas hectáreas.",
    },
    "opt.format": {"en": "table, csv or geojson.", "es": "table, csv o geojson."},
    "opt.export_out": {
        "en": "Output file; its suffix picks the format.",
        "es": "Archivo de salida; su extensión elige el formato.",
    },
    "opt.export_format": {"en": "geojson, gpkg, kml, kmz, gpx or csv.", "es": "geojson, gpkg, kml, kmz, gpx o csv."},
    "alerts.ingested": {
        "en": "{created} new, {updated} updated ({merged} merged into a growing alert), {unchanged} unchanged.",
        "es": "{created} nuevas, {updated} actualizadas ({merged} integradas a una alerta que crece), {unchanged} sin cambios.",
    },
    "alerts.none": {"en": "No alert matches.", "es": "Ninguna alerta coincide."},
    "alerts.history": {"en": "History:", "es": "Historial:"},
    "alerts.changed": {"en": "Alert {alert_id} updated.", "es": "Alerta {alert_id} actualizada."},
    "alerts.exported": {"en": "{n} alerts exported to {path}", "es": "{n} alertas exportadas a {path}"},
    "cmd.areas": {"en": "Monitored areas of interest.", "es": "Áreas de interés monitoreadas."},
    "cmd.areas_add": {
        "en": "Save an area of interest with its imagery source.",
        "es": "Guardar un área de interés con su fuente de imágenes.",
    },
    "cmd.areas_list": {"en": "List the monitored areas.", "es": "Listar las áreas monitoreadas."},
    "cmd.monitor": {
        "en": "Run detection for a monitored area from where it stopped and merge new alerts into the store.",
        "es": "Ejecutar la detección de un área monitoreada desde donde quedó e integrar las alertas nuevas al almacén.",
    },
    "opt.since": {
        "en": "Report losses first seen from this date (YYYY-MM-DD; default today).",
        "es": "Reportar pérdidas vistas desde esta fecha (AAAA-MM-DD; por defecto hoy).",
    },
    "opt.area_name": {
        "en": "Name of a monitored area (see areas add).",
        "es": "Nombre de un área monitoreada (ver areas add).",
    },
    "areas.added": {
        "en": "Area '{name}' saved; alerts from {since}.",
        "es": "Área '{name}' guardada; alertas desde {since}.",
    },
    "monitor.done": {
        "en": "{area}: {dates} new dates read, {alerts} alerts ({created} new, of which {growth} growth beside "
        "earlier alerts; {updated} updated in the store; {mining} now judged mining).",
        "es": "{area}: {dates} fechas nuevas leídas, {alerts} alertas ({created} nuevas, de ellas {growth} por "
        "crecimiento junto a alertas anteriores; {updated} actualizadas en el almacén; {mining} ahora juzgadas minería).",
    },
    "cmd.evidence": {
        "en": "Write the evidence package of an alert (folder and zip, with SHA-256 manifest).",
        "es": "Escribir el paquete de evidencia de una alerta (carpeta y zip, con manifiesto SHA-256).",
    },
    "evidence.done": {"en": "Evidence package: {folder} and {zip}", "es": "Paquete de evidencia: {folder} y {zip}"},
    "cmd.subscribe": {
        "en": "Subscribe an email address or a webhook to new alerts of a monitored area.",
        "es": "Suscribir un correo o un webhook a las alertas nuevas de un área monitoreada.",
    },
    "opt.email": {"en": "Email address for digests.", "es": "Correo para los resúmenes."},
    "opt.webhook": {"en": "URL receiving a signed JSON POST.", "es": "URL que recibe un POST JSON firmado."},
    "opt.sub_zones": {
        "en": "Only alerts in zones of these kinds (comma-separated, e.g. protected_area,indigenous_land).",
        "es": "Solo alertas en zonas de estos tipos (separados por comas, p. ej. protected_area,indigenous_land).",
    },
    "opt.secret": {
        "en": "Secret used to sign webhook bodies (HMAC-SHA256); never logged.",
        "es": "Secreto para firmar los webhooks (HMAC-SHA256); nunca se registra.",
    },
    "subscribed": {"en": "Subscription {id} added for {area}.", "es": "Suscripción {id} agregada para {area}."},
    "monitor.notified": {
        "en": "Notifications: {queued} digests queued, {delivered} delivered, {failed} waiting for a retry.",
        "es": "Notificaciones: {queued} resúmenes en cola, {delivered} entregados, {failed} esperando reintento.",
    },
    "cmd.mercury": {
        "en": "Mercury: lab results, QA/QC, standards, exposure and fish advice, maps and hotspots.",
        "es": "Mercurio: resultados de laboratorio, control de calidad, estándares, exposición y consejo, mapas.",
    },
    "cmd.hg_meals": {
        "en": "Safe fish meals per week for a mercury concentration and a body weight.",
        "es": "Raciones seguras de pescado por semana para una concentración de mercurio y un peso corporal.",
    },
    "cmd.hg_check": {
        "en": "Compare one result with every applicable standard.",
        "es": "Comparar un resultado con todos los estándares aplicables.",
    },
    "opt.hg_conc": {
        "en": "Mercury in the fish, mg/kg (= µg/g) wet weight.",
        "es": "Mercurio en el pescado, mg/kg (= µg/g) peso húmedo.",
    },
    "opt.hg_bw": {"en": "Body weight of the person, kg.", "es": "Peso corporal de la persona, kg."},
    "opt.hg_meal": {"en": "Meal size in grams (227 g = 8 oz).", "es": "Tamaño de la ración en gramos (227 g = 8 oz)."},
    "opt.hg_basis": {
        "en": "epa (RfD 0.1 µg/kg/day) or jecfa (PTWI 1.6 µg/kg/week).",
        "es": "epa (RfD 0,1 µg/kg/día) o jecfa (PTWI 1,6 µg/kg/semana).",
    },
    "opt.hg_unit": {
        "en": "Unit of the value (mg/kg, µg/g, ppm, ng/g, µg/L, mg/L, ng/L, µg/m3…).",
        "es": "Unidad del valor (mg/kg, µg/g, ppm, ng/g, µg/L, mg/L, ng/L, µg/m3…).",
    },
    "opt.hg_matrix": {
        "en": "fish, hair, sediment, soil, water, suspended_particles or air.",
        "es": "fish, hair, sediment, soil, water, suspended_particles o air.",
    },
    "opt.hg_wetdry": {
        "en": "Basis of the value: wet, dry or none.",
        "es": "Base del valor: wet (húmeda), dry (seca) o none.",
    },
    "opt.hg_moisture": {
        "en": "Moisture as a fraction (0–1), to convert wet to dry weight.",
        "es": "Humedad como fracción (0–1), para pasar de peso húmedo a seco.",
    },
    "opt.hg_group": {
        "en": "Only standards for this group (e.g. predatory, non_predatory, drinking).",
        "es": "Solo estándares de este grupo (p. ej. predatory, non_predatory, drinking).",
    },
    "hg.meals": {
        "en": "{n:.2f} meals of {meal:.0f} g per week are safe for {bw:.0f} kg at {conc} mg/kg ({basis}).",
        "es": "{n:.2f} raciones de {meal:.0f} g por semana son seguras para {bw:.0f} kg con {conc} mg/kg ({basis}).",
    },
    "hg.less_than_one": {
        "en": "That is less than one meal a week: at most one meal every {weeks:.1f} weeks.",
        "es": "Es menos de una ración por semana: como máximo una ración cada {weeks:.1f} semanas.",
    },
    "cmd.hg_template": {
        "en": "Write empty CSV and Excel templates with English and Spanish headers.",
        "es": "Escribir plantillas CSV y Excel vacías con encabezados en inglés y español.",
    },
    "cmd.hg_ingest": {
        "en": "Check and import a laboratory results file (all or nothing).",
        "es": "Revisar e importar un archivo de resultados de laboratorio (todo o nada).",
    },
    "cmd.hg_qc": {
        "en": "QA/QC per batch: blanks, duplicates, reference materials, calibration.",
        "es": "Control de calidad por lote: blancos, duplicados, materiales de referencia, calibración.",
    },
    "opt.hg_limits": {
        "en": "YAML file of acceptance limits (default: the bundled one).",
        "es": "Archivo YAML de límites de aceptación (por defecto: el incluido).",
    },
    "hg.ingested": {
        "en": "{n} results imported from {file} ({censored} below the detection limit, kept censored).",
        "es": "{n} resultados importados de {file} ({censored} bajo el límite de detección, se mantienen censurados).",
    },
    "hg.qc_fail": {"en": "FAILED", "es": "FALLÓ"},
    "hg.basis_epa": {"en": "EPA RfD 0.1 µg/kg/day", "es": "RfD de la EPA 0,1 µg/kg/día"},
    "hg.basis_jecfa": {"en": "JECFA PTWI 1.6 µg/kg/week", "es": "PTWI del JECFA 1,6 µg/kg/semana"},
    "hg.exceeds": {"en": "EXCEEDS", "es": "SUPERA"},
    "hg.below": {"en": "below", "es": "debajo"},
    "hg.unverified": {"en": "UNVERIFIED value", "es": "valor NO VERIFICADO"},
    "cmd.hg_risk": {
        "en": "Exposure and advice: fish advice per species and group, hair summaries per community, printable fish guides (es/en).",
        "es": "Exposición y consejo: consumo de pescado por especie y grupo, cabello por comunidad, guías imprimibles (es/en).",
    },
    "cmd.hg_map": {
        "en": "Maps and hotspots: IDW and kriging with cross-validation, Gi* hotspots (FDR), mining upstream along the rivers.",
        "es": "Mapas y puntos calientes: IDW y kriging con validación cruzada, Gi* (FDR), minería aguas arriba por los ríos.",
    },
    "opt.hg_community": {
        "en": "Only this community (repeatable; default: every community in the data).",
        "es": "Solo esta comunidad (repetible; por defecto: todas las comunidades de los datos).",
    },
    "opt.hg_statistic": {
        "en": "Species concentration used for advice: mean (Kaplan–Meier) or ucl95 (more protective).",
        "es": "Concentración por especie para el consejo: mean (Kaplan–Meier) o ucl95 (más protectora).",
    },
    "opt.hg_populations": {
        "en": "YAML of body weights and meal sizes per group (default: the bundled one).",
        "es": "YAML de pesos corporales y raciones por grupo (por defecto: el incluido).",
    },
    "opt.simulated": {
        "en": "Mark documents as made from simulated data.",
        "es": "Marcar los documentos como hechos con datos simulados.",
    },
    "opt.hg_map_matrix": {
        "en": "Matrix to interpolate and test for hotspots (sediment, soil, fish, suspended_particles).",
        "es": "Matriz a interpolar y analizar (sediment, soil, fish, suspended_particles).",
    },
    "opt.hg_rivers": {
        "en": "River lines digitised in the flow direction (any vector file; file.gpkg#layer picks a layer).",
        "es": "Ríos digitalizados en el sentido de la corriente (cualquier archivo vectorial; archivo.gpkg#capa elige una capa).",
    },
    "opt.hg_mining": {
        "en": "Mining polygons (footprint layer or alerts file); default: mining alerts in the store.",
        "es": "Polígonos de minería (huella o archivo de alertas); por defecto: alertas de minería del almacén.",
    },
    "opt.hg_max_km": {
        "en": "How far upstream to count mining, km along the river.",
        "es": "Hasta dónde contar minería aguas arriba, km por el río.",
    },
    "opt.hg_lateral": {
        "en": "Largest distance from a river line to attach a site or a mining patch, m.",
        "es": "Distancia máxima a un río para asociar un sitio o un parche de minería, m.",
    },
    "hg.risk_done": {
        "en": "Fish advice for {species} species, hair summaries for {communities} communities; guides:",
        "es": "Consejo para {species} especies de pescado, cabello de {communities} comunidades; guías:",
    },
    "hg.map_done": {
        "en": "{sites} {matrix} sites, {hot} in hotspots, {cold} in cold spots (Gi*, FDR 5 %). Files:",
        "es": "{sites} sitios de {matrix}, {hot} en puntos calientes, {cold} en puntos fríos (Gi*, FDR 5 %). Archivos:",
    },
    "hg.cv": {
        "en": "Leave-one-out cross-validation (log10 RMSE; lower is better):",
        "es": "Validación cruzada dejando uno fuera (RMSE en log10; menor es mejor):",
    },
    "hg.spearman": {
        "en": "Mercury vs mining upstream: Spearman ρ = {rho:.2f} (p = {p:.3f}, n = {n}). Association, not cause.",
        "es": "Mercurio vs minería aguas arriba: ρ de Spearman = {rho:.2f} (p = {p:.3f}, n = {n}). Asociación, no causa.",
    },
    "hg.note": {"en": "Note: {text}", "es": "Nota: {text}"},
    "opt.demo_serve": {
        "en": "At the end, serve the web map of the demo (Ctrl+C to stop).",
        "es": "Al final, servir el mapa web de la demostración (Ctrl+C para detener).",
    },
    "demo.web": {
        "en": "Web map: {url} — users {users}; their password is in {file}.",
        "es": "Mapa web: {url} — usuarios {users}; su contraseña está en {file}.",
    },
    "demo.serve_hint": {
        "en": "To open it: make demo SERVE=1, or centinela serve --store {out}/centinela.gpkg --catalog {catalog} --port {port}",
        "es": "Para abrirlo: make demo SERVE=1, o centinela serve --store {out}/centinela.gpkg --catalog {catalog} --port {port}",
    },
    "cmd.serve": {
        "en": "Serve the web map and the API (FastAPI) from the store.",
        "es": "Servir el mapa web y la API (FastAPI) desde el almacén.",
    },
    "opt.host": {
        "en": "Address to listen on (127.0.0.1: this machine only).",
        "es": "Dirección donde escuchar (127.0.0.1: solo esta máquina).",
    },
    "opt.port": {"en": "Port to listen on.", "es": "Puerto donde escuchar."},
    "opt.web_catalog": {
        "en": "STAC catalog path or API URL for imagery tiles and evidence packages.",
        "es": "Catálogo STAC (ruta o URL de API) para teselas de imágenes y paquetes de evidencia.",
    },
    "opt.web_zones": {
        "en": "GeoPackage with imported zones (default: the store itself).",
        "es": "GeoPackage con las zonas importadas (por defecto: el mismo almacén).",
    },
    "opt.secure_cookies": {
        "en": "Send the session cookie only over HTTPS (use behind a TLS proxy).",
        "es": "Enviar la cookie de sesión solo por HTTPS (usar detrás de un proxy TLS).",
    },
    "serve.url": {
        "en": "Centinela is running: open {url} (Ctrl+C to stop).",
        "es": "Centinela está en marcha: abra {url} (Ctrl+C para detener).",
    },
    "cmd.users": {
        "en": "People who use the web map and API: add, list, roles, passwords, tokens.",
        "es": "Personas que usan el mapa web y la API: agregar, listar, roles, contraseñas, tokens.",
    },
    "cmd.users_add": {
        "en": "Add a user (the password is asked, or read from CENTINELA_PASSWORD).",
        "es": "Agregar un usuario (la contraseña se pide, o se lee de CENTINELA_PASSWORD).",
    },
    "cmd.users_list": {"en": "List users and roles.", "es": "Listar usuarios y roles."},
    "cmd.users_role": {
        "en": "Change a user's role (viewer, ranger, analyst, admin).",
        "es": "Cambiar el rol de un usuario (viewer, ranger, analyst, admin).",
    },
    "cmd.users_password": {
        "en": "Set a new password (ends the user's open sessions).",
        "es": "Poner una contraseña nueva (cierra las sesiones abiertas).",
    },
    "cmd.users_disable": {
        "en": "Disable a user: sessions end, tokens are revoked.",
        "es": "Desactivar un usuario: se cierran sesiones y se revocan tokens.",
    },
    "cmd.users_token": {
        "en": "Create an API token for a user (printed once).",
        "es": "Crear un token de API para un usuario (se muestra una sola vez).",
    },
    "opt.role": {
        "en": "viewer (read), ranger (field verification), analyst (all statuses, exports), admin (users).",
        "es": "viewer (lectura), ranger (verificación en campo), analyst (todos los estados, exportaciones), admin (usuarios).",
    },
    "opt.see_sensitive": {
        "en": "Allow a viewer to see alerts inside sensitive areas.",
        "es": "Permitir que un viewer vea alertas dentro de áreas sensibles.",
    },
    "opt.token_label": {
        "en": "What the token is for (e.g. 'QGIS office').",
        "es": "Para qué es el token (p. ej. 'QGIS oficina').",
    },
    "users.added": {"en": "User {user} added with role {role}.", "es": "Usuario {user} agregado con rol {role}."},
    "users.changed": {"en": "User {user} updated.", "es": "Usuario {user} actualizado."},
    "users.token_once": {
        "en": "Keep this token now: it is not stored and cannot be shown again.",
        "es": "Guarde este token ahora: no se almacena y no se puede volver a mostrar.",
    },
    "users.password_prompt": {"en": "Password (10 characters or more)", "es": "Contraseña (10 caracteres o más)"},
    "cmd.sensitive": {
        "en": "Mark a zone as sensitive: viewers do not see alerts inside it.",
        "es": "Marcar una zona como sensible: los viewers no ven alertas dentro de ella.",
    },
    "opt.sensitive_zone": {"en": "Zone name (as in `zones list`).", "es": "Nombre de la zona (como en `zones list`)."},
    "opt.sensitive_reason": {
        "en": "Why (e.g. the community asked for it).",
        "es": "Por qué (p. ej. lo pidió la comunidad).",
    },
    "sensitive.marked": {"en": "{zone}: marked sensitive.", "es": "{zone}: marcada como sensible."},
    "opt.hg_instrument": {
        "en": "FILE is a direct mercury analyser export in this format (e.g. dma80; see mercury/dma_formats.yaml).",
        "es": "FILE es una exportación de un analizador directo de mercurio en este formato (p. ej. dma80; ver mercury/dma_formats.yaml).",
    },
    "opt.hg_register": {
        "en": "Sample register (lab template) with the metadata of the samples in the export.",
        "es": "Registro de muestras (plantilla del laboratorio) con los datos de las muestras de la exportación.",
    },
    "opt.hg_batch": {
        "en": "Batch of the export's blanks and reference materials (default: from the register).",
        "es": "Lote de los blancos y materiales de referencia de la exportación (por defecto: del registro).",
    },
    "opt.hg_formats": {
        "en": "Your own YAML of instrument export formats, added to the bundled ones.",
        "es": "Su propio YAML de formatos de exportación, añadido a los incluidos.",
    },
    "hg.need_register": {
        "en": "--instrument needs --register: the export names samples, the register says what they are.",
        "es": "--instrument necesita --register: la exportación nombra muestras, el registro dice qué son.",
    },
    "cmd.version": {"en": "Print the version.", "es": "Mostrar la versión."},
    "opt.out": {"en": "Output folder.", "es": "Carpeta de salida."},
    "opt.seed": {
        "en": "Random seed (same seed, same scene).",
        "es": "Semilla aleatoria (misma semilla, misma escena).",
    },
    "opt.size": {
        "en": "Scene width and height in 10 m pixels, even, 64 to 10980 (a full tile).",
        "es": "Ancho y alto de la escena en píxeles de 10 m, par, de 64 a 10980 (un tile completo).",
    },
    "opt.start": {"en": "First acquisition date (YYYY-MM-DD).", "es": "Primera fecha de adquisición (AAAA-MM-DD)."},
    "opt.end": {"en": "Last acquisition date (YYYY-MM-DD).", "es": "Última fecha de adquisición (AAAA-MM-DD)."},
    "opt.center": {"en": "Scene centre as LAT,LON in degrees.", "es": "Centro de la escena como LAT,LON en grados."},
    "opt.events_from": {
        "en": "Vector file of real mining footprints (e.g. Amazon Mining Watch) turned into dated events.",
        "es": "Archivo vectorial de huellas mineras reales (p. ej. Amazon Mining Watch) convertidas en eventos fechados.",
    },
    "opt.changes": {
        "en": "With --no-changes nothing happens to the land (seasons, clouds and sandbars still vary): a control scene.",
        "es": "Con --no-changes la tierra no cambia (estaciones, nubes y bancos de arena sí varían): escena de control.",
    },
    "opt.revisit": {"en": "Days between acquisitions.", "es": "Días entre adquisiciones."},
    "opt.workers": {
        "en": "Processes used to render dates in parallel.",
        "es": "Procesos para generar fechas en paralelo.",
    },
    "opt.overwrite": {"en": "Replace an existing output folder.", "es": "Reemplazar una carpeta de salida existente."},
    "opt.catalog": {"en": "STAC catalog path or STAC API URL.", "es": "Ruta de catálogo STAC o URL de API STAC."},
    "opt.aoi": {
        "en": "Area of interest (GeoJSON, GeoPackage…); default: the whole catalog.",
        "es": "Área de interés (GeoJSON, GeoPackage…); por defecto: todo el catálogo.",
    },
    "opt.dates": {
        "en": "Two dates to show (YYYY-MM-DD); default: the clearest early and late dates.",
        "es": "Dos fechas a mostrar (AAAA-MM-DD); por defecto: las más despejadas al inicio y al final.",
    },
    # --- mercury, issue #17: import (files, species, plausibility) ---
    "opt.hg_species_map": {
        "en": "CSV mapping fish names the species table does not know to known ones (columns name,scientific).",
        "es": "CSV que asigna los nombres de peces que la tabla de especies no conoce a nombres conocidos "
        "(columnas nombre,cientifico).",
    },
    "opt.hg_accept_warnings": {
        "en": "Import even if the plausibility checks warn (each warning is listed; check them first).",
        "es": "Importar aunque las comprobaciones de plausibilidad adviertan (se lista cada advertencia; revíselas "
        "antes).",
    },
    "hg.species_map_written": {
        "en": "A species map to fill in was written: {path} (one row per unknown name, the closest known species "
        "filled in: check each row, then re-run with --species-map {path}).",
        "es": "Se escribió un mapa de especies para completar: {path} (una fila por nombre desconocido, con la "
        "especie conocida más parecida: revise cada fila y vuelva a ejecutar con --species-map {path}).",
    },
    "hg.warnings_accepted": {
        "en": "{n} warning(s) accepted with --accept-warnings:",
        "es": "{n} advertencia(s) aceptada(s) con --accept-warnings:",
    },
    # --- mercury, issue #17: statistics and standards ---
    "opt.hg_check_species": {
        "en": "Fish species (local or scientific name): decides which standards cover the result.",
        "es": "Especie del pez (nombre local o científico): decide qué estándares se aplican al resultado.",
    },
    "hg.not_applicable": {"en": "n/a", "es": "no aplica"},
    "hg.the_fish": {"en": "the fish", "es": "el pez"},
    "hg.guild_predatory": {"en": "predatory", "es": "depredador"},
    "hg.guild_non_predatory": {"en": "non-predatory", "es": "no depredador"},
    "hg.guild_from_table": {"en": "species table", "es": "tabla de especies"},
    "hg.guild_from_group": {"en": "given with --group", "es": "indicado con --group"},
    "hg.why_listed": {
        "en": "applies: the instrument lists {species} ({detail})",
        "es": "se aplica: la norma incluye {species} en su lista ({detail})",
    },
    "hg.why_not_in_list": {
        "en": "does not apply: the instrument does not list {species}",
        "es": "no se aplica: la norma no incluye {species} en su lista",
    },
    "hg.why_not_listed": {
        "en": "applies: {species} is not on the lists of {detail}, so this general limit holds",
        "es": "se aplica: {species} no figura en las listas de {detail}, así que rige este límite general",
    },
    "hg.why_excluded_listed": {
        "en": "does not apply: {species} is listed under {detail}",
        "es": "no se aplica: {species} figura en la lista de {detail}",
    },
    "hg.why_guild": {
        "en": "applies: {species} is {guild} ({source})",
        "es": "se aplica: {species} es {guild} ({source})",
    },
    "hg.why_other_guild": {
        "en": "does not apply: only for {needed} fish; {species} is {guild} ({source})",
        "es": "no se aplica: solo para peces de tipo {needed}; {species} es {guild} ({source})",
    },
    "hg.why_guild_unknown": {
        "en": "applies only to {needed} fish; whether {species} is one is unknown: give --species (a fish in the "
        "species table) or --group",
        "es": "se aplica solo a peces de tipo {needed}; no se sabe si {species} lo es: indique --species (un pez de la "
        "tabla de especies) o --group",
    },
    "hg.why_species_unknown_listed": {
        "en": "applies only to the fish it lists: give --species to decide",
        "es": "se aplica solo a los peces de su lista: indique --species para decidir",
    },
    "hg.why_species_unknown_general": {
        "en": "applies to every fish except those listed under {detail}: give --species to decide",
        "es": "se aplica a todo pez salvo los de la lista de {detail}: indique --species para decidir",
    },
    # --- mercury, issue #17: guides and maps ---
    "hg.map_no_coords": {
        "en": "{n} {matrix} result(s) without coordinates left out of the map",
        "es": "{n} resultado(s) de {matrix} sin coordenadas quedan fuera del mapa",
    },
    "hg.map_no_moisture": {
        "en": "{n} wet-basis {matrix} result(s) without moisture left out (cannot be put on a dry basis)",
        "es": "{n} resultado(s) de {matrix} en base húmeda sin humedad quedan fuera (no se pueden pasar a base seca)",
    },
    "hg.map_no_results": {
        "en": "no usable {matrix} {analyte} results with coordinates in the store",
        "es": "no hay resultados utilizables de {matrix} ({analyte}) con coordenadas en el almacén",
    },
    "hg.map_ros_few": {
        "en": "too few detected {matrix} results for ROS; non-detects are mapped at their detection limit (an upper "
        "bound)",
        "es": "muy pocos resultados detectados de {matrix} para ROS; los no detectados se mapean en su límite de "
        "detección (una cota superior)",
    },
    "hg.map_no_surface": {
        "en": "{n} sites of {subject}: fewer than {min}, no interpolated surface",
        "es": "{n} sitios de {subject}: menos de {min}, sin superficie interpolada",
    },
    "hg.map_no_hotspots": {
        "en": "{n} sites of {subject}: fewer than {min}, no hotspot test",
        "es": "{n} sitios de {subject}: menos de {min}, sin prueba de puntos calientes",
    },
    "hg.map_mining_off_river": {
        "en": "{n} mining patch(es) farther than {m:g} m from any river line",
        "es": "{n} parche(s) de minería a más de {m:g} m de cualquier río",
    },
    "hg.map_done_subject": {
        "en": "{sites} sites of {subject}, {hot} in hotspots, {cold} in cold spots (Gi*, FDR 5 %). Files:",
        "es": "{sites} sitios de {subject}, {hot} en puntos calientes, {cold} en puntos fríos (Gi*, FDR 5 %). "
        "Archivos:",
    },
    "hg.site_spread": {
        "en": "site {site}: samples {a} ({a_lat:.6f}, {a_lon:.6f}) and {b} ({b_lat:.6f}, {b_lon:.6f}) are {km:.2f} km "
        "apart, more than the {max_m:.0f} m one site can span; correct the coordinates, or give the two places "
        "different site ids",
        "es": "sitio {site}: las muestras {a} ({a_lat:.6f}, {a_lon:.6f}) y {b} ({b_lat:.6f}, {b_lon:.6f}) están a "
        "{km:.2f} km, más de los {max_m:.0f} m que puede abarcar un sitio; corrija las coordenadas o dé a los dos "
        "lugares códigos de sitio distintos",
    },
    "hg.sites_colocated_strict": {
        "en": "sites {sites} are {m:.0f} m apart (under {limit:.0f} m) but have different ids; with --strict-sites "
        "this is an error: give them one site id, or run without --strict-sites to map them as one site",
        "es": "los sitios {sites} están a {m:.0f} m (menos de {limit:.0f} m) pero tienen códigos distintos; con "
        "--strict-sites esto es un error: deles un mismo código de sitio, o ejecute sin --strict-sites para "
        "mapearlos como un solo sitio",
    },
    "hg.sites_merged": {
        "en": "sites {sites} lie within {m:.0f} m of each other and are mapped as one site, {merged} "
        "(--strict-sites makes this an error)",
        "es": "los sitios {sites} están a {m:.0f} m o menos entre sí y se mapean como un solo sitio, {merged} "
        "(con --strict-sites sería un error)",
    },
    "hg.species_and_guild": {
        "en": "give --species or --guild, not both",
        "es": "indique --species o --guild, no ambos",
    },
    "hg.species_unknown": {
        "en": "--species {name}: not a name in the species table (mercury/species.yaml); use a local or scientific "
        "name it lists",
        "es": "--species {name}: no es un nombre de la tabla de especies (mercury/species.yaml); use un nombre local "
        "o científico de la tabla",
    },
    "hg.species_absent": {
        "en": "--species {name} ({scientific}): no usable fish results of that species; species in the results: "
        "{present}",
        "es": "--species {name} ({scientific}): no hay resultados de peces utilizables de esa especie; especies en "
        "los resultados: {present}",
    },
    "hg.guild_unknown": {
        "en": "--guild {guild}: unknown trophic guild; one of {known}",
        "es": "--guild {guild}: gremio trófico desconocido; uno de {known}",
    },
    "hg.guild_absent": {
        "en": "--guild {guild}: no usable fish results of that guild; guilds in the results: {present}",
        "es": "--guild {guild}: no hay resultados de peces utilizables de ese gremio; gremios en los resultados: "
        "{present}",
    },
    "hg.guild_unmatched": {
        "en": "{n} fish of species not in the species table left out of the guild map (their guild is unknown): "
        "{names}",
        "es": "{n} peces de especies que no están en la tabla de especies quedan fuera del mapa por gremio (su "
        "gremio es desconocido): {names}",
    },
    "hg.fish_choose": {
        "en": "a fish map shows one species or one trophic guild, never all species averaged (that would map which "
        "fish the nets caught, not where the mercury is); choose --guild or --species. In the store:\n{available}",
        "es": "un mapa de peces muestra una especie o un gremio trófico, nunca el promedio de todas las especies (eso "
        "mapearía qué peces se pescaron, no dónde está el mercurio); elija --guild o --species. En el almacén:"
        "\n{available}",
    },
    "hg.fish_guild_line": {
        "en": "  --guild {guild} ({words}): {n} fish at {sites} sites ({species})",
        "es": "  --guild {guild} ({words}): {n} peces en {sites} sitios ({species})",
    },
    "hg.map_guild_none": {"en": "species not in the species table", "es": "especies fuera de la tabla de especies"},
    "hg.map_guild_piscivore": {"en": "fish-eaters", "es": "piscívoros"},
    "hg.map_guild_omnivore": {"en": "omnivores", "es": "omnívoros"},
    "hg.map_guild_insectivore": {"en": "insect-eaters", "es": "insectívoros"},
    "hg.map_guild_detritivore": {"en": "mud and detritus eaters", "es": "detritívoros"},
    "hg.map_guild_herbivore": {"en": "plant and fruit eaters", "es": "herbívoros"},
    "hg.map_guild_planktivore": {"en": "plankton eaters", "es": "planctívoros"},
    "hg.fish_of_guild": {"en": "fish ({guild})", "es": "peces {guild}"},
    "hg.at_length": {"en": "{subject} at {cm:g} cm", "es": "{subject} a {cm:g} cm"},
    "hg.length_needs_species": {
        "en": "--standard-length needs a fish map of one --species: mercury rises with length at a different rate "
        "in each species, so fish are standardised within one species",
        "es": "--standard-length necesita un mapa de peces de una sola especie (--species): el mercurio sube con la "
        "longitud a ritmo distinto en cada especie, así que se estandariza dentro de una especie",
    },
    "hg.length_none": {
        "en": "--standard-length: none of the {n} fish has a length (length_cm / longitud_cm); nothing to standardise",
        "es": "--standard-length: ninguno de los {n} peces tiene longitud (length_cm / longitud_cm); nada que "
        "estandarizar",
    },
    "hg.length_note": {
        "en": "length-standardised to {cm:g} cm: {k} of {n} fish had a length ({lo:g}–{hi:g} cm); common slope "
        "{slope:+.4f} ln(mg/kg) per cm ({pct:+.1f} % per cm) within {sites} sites (Wente 2004, USGS SIR 2004-5199)",
        "es": "estandarizado a {cm:g} cm: {k} de {n} peces tenían longitud ({lo:g}–{hi:g} cm); pendiente común "
        "{slope:+.4f} ln(mg/kg) por cm ({pct:+.1f} % por cm) dentro de {sites} sitios (Wente 2004, USGS SIR "
        "2004-5199)",
    },
    "hg.length_outside": {
        "en": "the standard length {cm:g} cm is outside the lengths measured ({lo:g}–{hi:g} cm): the site values are "
        "extrapolated",
        "es": "la longitud estándar {cm:g} cm está fuera de las longitudes medidas ({lo:g}–{hi:g} cm): los valores "
        "de los sitios son extrapolados",
    },
    "hg.length_sites_out": {
        "en": "{n} site(s) without fish lengths left out of the length-standardised map: {sites}",
        "es": "{n} sitio(s) sin longitudes de peces quedan fuera del mapa estandarizado: {sites}",
    },
    "opt.hg_species": {
        "en": "Fish map of one species (local or scientific name, as in the species table).",
        "es": "Mapa de peces de una especie (nombre local o científico, como en la tabla de especies).",
    },
    "opt.hg_guild": {
        "en": "Fish map of one trophic guild: piscivore, omnivore, insectivore, detritivore, herbivore, planktivore.",
        "es": "Mapa de peces de un gremio trófico: piscivore, omnivore, insectivore, detritivore, herbivore, "
        "planktivore.",
    },
    "opt.hg_standard_length": {
        "en": "Map each site's fish mercury at this length (cm): log mercury regressed on length within the species "
        "(needs --species); sites without lengths are left out.",
        "es": "Mapear el mercurio de cada sitio a esta longitud (cm): regresión del logaritmo del mercurio sobre la "
        "longitud dentro de la especie (necesita --species); los sitios sin longitudes quedan fuera.",
    },
    "opt.hg_strict_sites": {
        "en": "Refuse, instead of merging, different site ids within 30 m of each other.",
        "es": "Rechazar, en vez de unir, códigos de sitio distintos a menos de 30 m entre sí.",
    },
    "hg.risk_few": {
        "en": "{n} species with fewer than {min} samples: their advice in the guides is capped at once a week and "
        "marked: {names}",
        "es": "{n} especies con menos de {min} muestras: su consejo en las guías se limita a 1 vez por semana y se "
        "marca: {names}",
    },
    # --- mercury, issue #17: corrections and QA/QC ---
    "hg.no_usable_fish": {
        "en": "no fish results can be used for advice: {why}",
        "es": "ningún resultado de pescado puede usarse para recomendaciones: {why}",
    },
    "opt.hg_supersede": {
        "en": "The file re-analyses or corrects results already in the store: they become current, the earlier ones stay, marked superseded (needs --reason).",
        "es": "El archivo reanaliza o corrige resultados que ya están en el almacén: pasan a ser los vigentes y los anteriores se conservan, marcados como reemplazados (requiere --reason).",
    },
    "opt.hg_reason": {
        "en": "Why results are superseded or retracted (kept in the record and the audit log).",
        "es": "Por qué se reemplazan o retiran resultados (queda en el registro y en la bitácora de auditoría).",
    },
    "opt.hg_analyte": {"en": "Analyte: THg or MeHg.", "es": "Analito: THg o MeHg."},
    "opt.hg_qc_type": {
        "en": "Kind of result: sample, blank, duplicate, crm or calibration.",
        "es": "Tipo de resultado: sample, blank, duplicate, crm o calibration.",
    },
    "cmd.hg_retract": {
        "en": "Retract a result (it stays in the record, marked, and is no longer used).",
        "es": "Retirar un resultado (se conserva en el registro, marcado, y deja de usarse).",
    },
    "cmd.hg_history": {
        "en": "Every result ever stored for a sample: current, superseded and retracted.",
        "es": "Todos los resultados guardados de una muestra: vigentes, reemplazados y retirados.",
    },
    "hg.retracted": {
        "en": "Result {analyte} of {sample} (batch {batch}) retracted; it stays in the record.",
        "es": "Resultado {analyte} de {sample} (lote {batch}) retirado; se conserva en el registro.",
    },
    "hg.state_current": {"en": "current", "es": "vigente"},
    "hg.state_superseded": {"en": "superseded", "es": "reemplazado"},
    "hg.state_retracted": {"en": "retracted", "es": "retirado"},
    "hg.qc_left_out": {
        "en": "→ its {n} sample result(s) are left out of risk, maps and bulletins until the batch passes: re-run the failing control and import it with --supersede --reason '...', or retract the results.",
        "es": "→ sus {n} resultado(s) de muestras quedan fuera del riesgo, los mapas y los boletines hasta que el lote pase: repita el control que falló e impórtelo con --supersede --reason '...', o retire los resultados.",
    },
    "hg.left_out_failed": {
        "en": "{n} result(s) from batches that failed QA/QC left out ({batches})",
        "es": "{n} resultado(s) de lotes que no pasaron el control de calidad quedan fuera ({batches})",
    },
    "hg.unchecked_used": {
        "en": "{n} result(s) from batches never checked by QA/QC used with caution ({batches}); run `centinela mercury qc`",
        "es": "{n} resultado(s) de lotes aún sin control de calidad usados con cautela ({batches}); ejecute `centinela mercury qc`",
    },
    # --- issue #18: login and tokens ---
    "cmd.token": {
        "en": "API tokens: create, list, revoke one by one.",
        "es": "Tokens de API: crear, listar, revocar uno por uno.",
    },
    "cmd.token_add": {
        "en": "Create an API token for a user (printed once; it expires after --days).",
        "es": "Crear un token de API para un usuario (se muestra una sola vez; vence tras --days).",
    },
    "cmd.token_list": {
        "en": "List API tokens: id, user, label, created, expires, state (never the token itself).",
        "es": "Listar tokens de API: id, usuario, etiqueta, creación, vencimiento, estado (nunca el token).",
    },
    "cmd.token_revoke": {
        "en": "Revoke one API token by its id (shown by `token list`).",
        "es": "Revocar un token de API por su id (lo muestra `token list`).",
    },
    "opt.token_days": {
        "en": "Days the token is valid (default 90, at most 3650).",
        "es": "Días de validez del token (por defecto 90, como máximo 3650).",
    },
    "opt.token_user": {"en": "Only this user's tokens.", "es": "Solo los tokens de este usuario."},
    "opt.trusted_proxies": {
        "en": "Proxies whose forwarding header names the client: addresses or networks, comma-separated "
        "(default none: the header is ignored and the peer's address is used).",
        "es": "Proxies cuyo encabezado de reenvío indica el cliente: direcciones o redes separadas por comas "
        "(por defecto ninguno: se ignora el encabezado y se usa la dirección del par).",
    },
    "opt.forwarded_header": {
        "en": "Header the trusted proxies set: x-forwarded-for or forwarded.",
        "es": "Encabezado que ponen los proxies de confianza: x-forwarded-for o forwarded.",
    },
    "tokens.created": {
        "en": "Token {id} for {user}, valid until {expires}.",
        "es": "Token {id} de {user}, válido hasta {expires}.",
    },
    "tokens.revoked": {"en": "Token {id} revoked.", "es": "Token {id} revocado."},
    "tokens.already": {"en": "Token {id} was already revoked.", "es": "El token {id} ya estaba revocado."},
    "tokens.none": {"en": "No API tokens.", "es": "No hay tokens de API."},
    "tokens.active": {"en": "active", "es": "vigente"},
    "tokens.expired": {"en": "expired", "es": "vencido"},
    "tokens.revoked_state": {"en": "revoked", "es": "revocado"},
    "users.password_set": {
        "en": "User {user}: new password set; sessions ended and {n} API token(s) revoked.",
        "es": "Usuario {user}: contraseña nueva; sesiones cerradas y {n} token(s) de API revocado(s).",
    },
    # --- issue #18: web and API ---
    "web.step.refused": {
        "en": "alert {alert_id}: the role '{role}' may not move it from '{old}' to '{new}'",
        "es": "alerta {alert_id}: el rol '{role}' no puede pasarla de '{old}' a '{new}'",
    },
    "web.step.reopen": {
        "en": "reopening a closed alert is for analysts and admins",
        "es": "reabrir una alerta cerrada corresponde a analistas y administradores",
    },
    "web.step.allowed": {"en": "allowed: {steps}", "es": "permitido: {steps}"},
    "web.step.no_changes": {
        "en": "this role may not change statuses",
        "es": "este rol no puede cambiar estados",
    },
    # --- issue #18: evidence package ---
    "ev.action.created": {"en": "created", "es": "creada"},
    "ev.action.updated": {"en": "updated by a run", "es": "actualizada por una corrida"},
    "ev.action.status": {"en": "status changed", "es": "cambio de estado"},
    "ev.action.note": {"en": "note added", "es": "nota añadida"},
    "ev.action.evidence_created": {"en": "evidence package made", "es": "paquete de evidencia creado"},
    "ev.action.evidence_downloaded": {"en": "evidence package downloaded", "es": "paquete de evidencia descargado"},
    "ev.field.file": {"en": "file", "es": "archivo"},
    "ev.field.status": {"en": "status", "es": "estado"},
    "ev.field.note": {"en": "note", "es": "nota"},
    "ev.field.area_ha": {"en": "area (ha)", "es": "área (ha)"},
    "ev.field.cause": {"en": "cause", "es": "causa"},
    "ev.field.mining_prob": {"en": "probability of mining", "es": "probabilidad de minería"},
    "ev.field.confirmed": {"en": "confirmed", "es": "confirmada"},
    "ev.field.first_seen": {"en": "first seen", "es": "primera detección"},
    "ev.field.confidence": {"en": "confidence", "es": "confianza"},
    "ev.field.sha256": {"en": "SHA-256", "es": "SHA-256"},
    "ev.title": {"en": "Evidence report", "es": "Informe de evidencia"},
    "ev.alert": {"en": "Alert", "es": "Alerta"},
    "ev.disclaimer": {
        "en": "Detected from satellite imagery. Verify in the field or with very-high-resolution imagery before "
        "filing a complaint. Every file of this package is listed with its SHA-256 in MANIFEST.sha256.",
        "es": "Detectado con imágenes satelitales. Verifique en campo o con imágenes de muy alta resolución antes "
        "de una denuncia. Cada archivo de este paquete figura con su SHA-256 en MANIFEST.sha256.",
    },
    "ev.facts": {"en": "The alert", "es": "La alerta"},
    "ev.locator": {"en": "Location in Madre de Dios", "es": "Ubicación en Madre de Dios"},
    "ev.alert_id": {"en": "Alert id", "es": "Código de alerta"},
    "ev.first_seen": {"en": "First seen", "es": "Primera detección"},
    "ev.confirmed": {"en": "Confirmed", "es": "Confirmada"},
    "ev.status": {"en": "Status", "es": "Estado"},
    "ev.area": {"en": "Area", "es": "Área"},
    "ev.cause": {"en": "Cause", "es": "Causa"},
    "ev.mining_prob": {"en": "Probability of mining", "es": "Probabilidad de minería"},
    "ev.confidence": {"en": "Confidence", "es": "Confianza"},
    "ev.point": {"en": "Navigation point", "es": "Punto de navegación"},
    "ev.point_note": {
        "en": "The navigation point is a point inside the alert's outline (a point on its surface), the same one "
        "the web map gives; these coordinates are where to go.",
        "es": "El punto de navegación es un punto dentro del contorno de la alerta (un punto sobre su superficie), "
        "el mismo que da el mapa web; estas coordenadas son adonde ir.",
    },
    "ev.id_point_note": {
        "en": "The coordinates in the alert id ({lat}, {lon}) name the first pixel detected and never change, so "
        "that the id stays the same; they lie {m} m from the navigation point: do not navigate to them.",
        "es": "Las coordenadas del código de alerta ({lat}, {lon}) nombran el primer píxel detectado y no cambian, "
        "para que el código sea siempre el mismo; están a {m} m del punto de navegación: no navegue a ellas.",
    },
    "ev.wgs84": {"en": "WGS84 latitude, longitude", "es": "WGS84 latitud, longitud"},
    "ev.utm": {"en": "UTM zone 19S (EPSG:32719)", "es": "UTM zona 19S (EPSG:32719)"},
    "ev.images": {"en": "Before and after", "es": "Antes y después"},
    "ev.before": {"en": "Before", "es": "Antes"},
    "ev.after": {"en": "After", "es": "Después"},
    "ev.clear_share": {"en": "clear over the alert:", "es": "despejado sobre la alerta:"},
    "ev.no_image": {"en": "no clear image in the window", "es": "no hay imagen despejada en la ventana"},
    "ev.date_rule": {
        "en": "Dates chosen by the share of clear pixels (Sentinel-2 scene classification) over the alert and a "
        "100 m margin: among the clearest dates within 120 days, the nearest to the first detection. The web map "
        "shows the same pair. Yellow outline: the alert. Scale bar and north arrow on each image.",
        "es": "Fechas elegidas por la proporción de píxeles despejados (clasificación de escena de Sentinel-2) "
        "sobre la alerta y un margen de 100 m: entre las fechas más despejadas a menos de 120 días, la más cercana "
        "a la primera detección. El mapa web muestra el mismo par. Contorno amarillo: la alerta. Barra de escala y "
        "flecha del norte en cada imagen.",
    },
    "ev.series": {"en": "Index time series over the alert", "es": "Serie temporal de índices sobre la alerta"},
    "ev.zones_legal": {"en": "Zones and legal status", "es": "Zonas y situación legal"},
    "ev.zones": {"en": "Zones", "es": "Zonas"},
    "ev.legal_status": {"en": "Legal status", "es": "Situación legal"},
    "ev.rule": {"en": "Rule", "es": "Regla"},
    "ev.meaning": {"en": "What it says", "es": "Qué dice"},
    "ev.source": {"en": "Legal source", "es": "Fuente legal"},
    "ev.verified": {"en": "Article checked in the official text", "es": "Artículo verificado en el texto oficial"},
    "ev.verified_yes": {"en": "yes", "es": "sí"},
    "ev.verified_no": {"en": "NO: to be confirmed by a lawyer", "es": "NO: debe confirmarlo un abogado"},
    "ev.status.new": {"en": "new", "es": "nueva"},
    "ev.status.under_review": {"en": "under review", "es": "en revisión"},
    "ev.status.verified_mining": {"en": "verified: mining", "es": "verificada: minería"},
    "ev.status.verified_other": {"en": "verified: other cause", "es": "verificada: otra causa"},
    "ev.status.false_positive": {"en": "false positive", "es": "falso positivo"},
    "ev.status.referred": {"en": "referred to prosecutors", "es": "derivada a fiscalía"},
    "ev.status.closed": {"en": "closed", "es": "cerrada"},
    "ev.cause.mining": {"en": "mining", "es": "minería"},
    "ev.cause.other": {"en": "other cause", "es": "otra causa"},
    "ev.confidence.high": {"en": "high", "es": "alta"},
    "ev.confidence.medium": {"en": "medium", "es": "media"},
    "ev.confidence.low": {"en": "low", "es": "baja"},
    "ev.verified_v2": {
        "en": "read in a secondary source that quotes it",
        "es": "leído en una fuente secundaria que lo cita",
    },
    "ev.legal_note": {
        "en": "The legal status is a reading of the zone layers by rules kept as data; it is not a legal opinion. "
        "A zone layer marked illustrative is not a legal boundary.",
        "es": "La situación legal es una lectura de las capas de zonas según reglas guardadas como datos; no es "
        "una opinión legal. Una capa de zonas marcada como ilustrativa no es un límite legal.",
    },
    "ev.history": {"en": "History of the alert", "es": "Historial de la alerta"},
    "ev.when": {"en": "When (UTC)", "es": "Cuándo (UTC)"},
    "ev.who": {"en": "Who", "es": "Quién"},
    "ev.what": {"en": "What", "es": "Qué"},
    "ev.history_empty": {"en": "No changes recorded.", "es": "Sin cambios registrados."},
    "ev.notes": {"en": "Notes", "es": "Notas"},
    "ev.notes_empty": {"en": "No notes.", "es": "Sin notas."},
    "ev.field_checks": {"en": "Field checks and verdicts", "es": "Verificaciones de campo y veredictos"},
    "ev.field_checks_empty": {
        "en": "No field check recorded yet: the alert has not been verified on the ground.",
        "es": "Aún no hay verificación de campo registrada: la alerta no se ha verificado en el terreno.",
    },
    "ev.integrity": {"en": "Who made this package, and its integrity", "es": "Quién hizo este paquete, e integridad"},
    "ev.made_by": {"en": "Made by", "es": "Hecho por"},
    "ev.made_at": {"en": "on", "es": "el"},
    "ev.audit_head": {
        "en": "Audit log head when the package was made",
        "es": "Cabeza del registro de auditoría al crear el paquete",
    },
    "ev.entry": {"en": "entry", "es": "entrada"},
    "ev.signed": {"en": "Manifest signed by key (Ed25519)", "es": "Manifiesto firmado con la clave (Ed25519)"},
    "ev.unsigned": {
        "en": "NOT SIGNED (no signing key was configured)",
        "es": "SIN FIRMA (no se configuró una clave de firma)",
    },
    "ev.scenes": {"en": "Scenes used", "es": "Escenas usadas"},
    "ev.software": {"en": "Software", "es": "Software"},
    "ev.integrity_text": {
        "en": "Check the package with: centinela evidence verify <folder or zip> --public-key <key.pub.pem> "
        "[--checkpoint <checkpoint.json>]. It recomputes every file's SHA-256, checks the manifest's signature "
        "and, with an audit checkpoint, that the audit head printed here lies on the store's chain.",
        "es": "Compruebe el paquete con: centinela evidence verify <carpeta o zip> --public-key <clave.pub.pem> "
        "[--checkpoint <punto_de_control.json>]. Recalcula el SHA-256 de cada archivo, comprueba la firma del "
        "manifiesto y, con un punto de control de auditoría, que la cabeza de auditoría impresa aquí está en la "
        "cadena del almacén.",
    },
    "cmd.evidence_verify": {
        "en": "Check an evidence package (folder or zip): every file's SHA-256, the manifest's signature, the audit head.",
        "es": "Comprobar un paquete de evidencia (carpeta o zip): el SHA-256 de cada archivo, la firma del manifiesto, la cabeza de auditoría.",
    },
    "opt.evidence_key": {
        "en": "Ed25519 private key (PEM, from `centinela audit keygen`) that signs the package; keep it outside the store.",
        "es": "Clave privada Ed25519 (PEM, de `centinela audit keygen`) que firma el paquete; guárdela fuera del almacén.",
    },
    "evidence.verified": {
        "en": "OK: {n} files match the manifest; {signature}",
        "es": "OK: {n} archivos coinciden con el manifiesto; {signature}",
    },
    "evidence.sig_ok": {"en": "signature valid", "es": "firma válida"},
    "evidence.sig_none": {"en": "manifest NOT signed", "es": "manifiesto SIN firma"},
    "evidence.refused": {"en": "REFUSED: the package does not hold", "es": "RECHAZADO: el paquete no es íntegro"},
    "evidence.no_clear": {
        "en": "Note: no clear image before and/or after the first detection; the package says so.",
        "es": "Nota: no hay imagen despejada antes y/o después de la primera detección; el paquete lo indica.",
    },
    # --- issue #18: legal caveats ---
    "legal.status": {"en": "Legal status", "es": "Situación legal"},
    "legal.rule": {"en": "rule {ids}", "es": "regla {ids}"},
    "legal.rules": {"en": "rules {ids}", "es": "reglas {ids}"},
    "legal.basis": {"en": "Legal basis ({rules})", "es": "Fundamento ({rules})"},
    "legal.also": {"en": "Also ({rules})", "es": "Además ({rules})"},
    "legal.antecedent": {"en": "antecedent", "es": "antecedente"},
    "legal.verification": {"en": "Verification", "es": "Verificación"},
    "legal.all_unverified": {
        "en": "none of these citations was verified against the official text; "
        "a lawyer should confirm them before a complaint is filed",
        "es": "ninguna de estas citas fue verificada contra el texto oficial; "
        "un abogado debe confirmarlas antes de presentar una denuncia",
    },
    "legal.no_article": {"en": "no article specified", "es": "sin artículo precisado"},
    "legal.verified.V": {
        "en": "verified against the official text ({read}; {source})",
        "es": "verificado contra el texto oficial ({read}; {source})",
    },
    "legal.verified.V2": {
        "en": "read in a secondary source that quotes it, not in the official text ({read}; {source})",
        "es": "leído en una fuente secundaria que lo cita, no en el texto oficial ({read}; {source})",
    },
    "legal.verified.U": {
        "en": "not verified against the official text",
        "es": "no verificado contra el texto oficial",
    },
    "legal.layer": {"en": "Zone layer", "es": "Capa de zonas"},
    "legal.layer.illustrative": {
        "en": "illustrative, drawn for a demonstration, not a legal boundary ({layers})",
        "es": "ilustrativa, dibujada para una demostración, no es un límite legal ({layers})",
    },
    "legal.layer.bundled": {
        "en": "approximate, shipped with Centinela (generalised), not the official layer ({layers})",
        "es": "aproximada, incluida con Centinela (generalizada), no es la capa oficial ({layers})",
    },
    "legal.layer.imported": {
        "en": "imported into Centinela's store ({layers}), with the source declared when it was imported",
        "es": "importada al almacén de Centinela ({layers}), con la fuente declarada al importarla",
    },
    "legal.missing_layers": {"en": "layers missing for {rules}", "es": "faltan capas para {rules}"},
    "legal.note": {
        "en": "How to read the legal status: each verdict names the legal instruments and articles it rests on and "
        "whether each article was verified. \u201cVerified against the official text\u201d: the article was read "
        "in the published text (where is given). \u201cRead in a secondary source\u201d: it was read quoted in "
        "another document. \u201cNot verified against the official text\u201d: the citation comes from "
        "Centinela's rule set and its authors did not read it in the official text; a lawyer should confirm it "
        "before a complaint is filed. An \u201cillustrative\u201d zone layer was drawn for a demonstration and is "
        "not a legal boundary; an \u201capproximate, shipped with Centinela\u201d layer is a generalised copy of a "
        "public map, not the official layer (for example SERNANP's); for a complaint, import the official layer.",
        "es": "Cómo leer la situación legal: cada dictamen indica las normas y los artículos en que se basa y si "
        "cada artículo fue verificado. «Verificado contra el texto oficial»: el artículo se leyó en el texto "
        "publicado (se indica dónde). «Leído en una fuente secundaria»: se leyó citado en otro documento. «No "
        "verificado contra el texto oficial»: la cita proviene de las reglas de Centinela y sus autores no la "
        "leyeron en el texto oficial; un abogado debe confirmarla antes de presentar una denuncia. Una capa de "
        "zonas «ilustrativa» fue dibujada para una demostración y no es un límite legal; una capa «aproximada, "
        "incluida con Centinela» es una copia generalizada de un mapa público, no la capa oficial (por ejemplo, "
        "la del SERNANP); para una denuncia, importe la capa oficial.",
    },
    # --- issue #19: perf ---
    # --- issue #19: offline ---
    # --- issue #19: report ---
    "ev.field_reports": {"en": "Field reports", "es": "Informes de campo"},
    "ev.field_checks_by_reports": {
        "en": "No verdict recorded as a status change yet; the field reports below say what was found on the ground.",
        "es": "Aún no se registró un veredicto como cambio de estado; los informes de campo de abajo dicen lo que se "
        "encontró en el terreno.",
    },
    "ev.field_reports_note": {
        "en": "Filed from the phone at the alert; photos are in the package's photos/ folder exactly as received "
        "(EXIF included), each listed with its SHA-256 in MANIFEST.sha256. Time and GPS below are read from each "
        "photo's EXIF, as the camera wrote them.",
        "es": "Enviados desde el teléfono en la alerta; las fotos están en la carpeta photos/ del paquete tal como se "
        "recibieron (EXIF incluido), cada una con su SHA-256 en MANIFEST.sha256. La hora y el GPS de abajo se leen "
        "del EXIF de cada foto, tal como los escribió la cámara.",
    },
    "ev.field_conflict": {
        "en": "Current field reports by different people disagree; all are kept and shown.",
        "es": "Los informes de campo vigentes de distintas personas no coinciden; todos se conservan y se muestran.",
    },
    "ev.verdict": {"en": "Verdict", "es": "Veredicto"},
    "ev.observed": {"en": "Observed (phone)", "es": "Observado (teléfono)"},
    "ev.received": {"en": "Received", "es": "Recibido"},
    "ev.phone_position": {"en": "Phone position", "es": "Posición del teléfono"},
    "ev.accuracy": {"en": "± {m} m", "es": "± {m} m"},
    "ev.photos": {"en": "Photos", "es": "Fotos"},
    "ev.photos_none": {"en": "No photos.", "es": "Sin fotos."},
    "ev.exif_time": {"en": "EXIF time", "es": "Hora EXIF"},
    "ev.exif_gps": {"en": "EXIF GPS", "es": "GPS EXIF"},
    "ev.report_superseded": {
        "en": "superseded by a later report of the same person",
        "es": "reemplazado por un informe posterior de la misma persona",
    },
    "ev.report_stands": {"en": "marked as the report that stands", "es": "marcado como el informe que prevalece"},
    "ev.report_verdict.mining_active": {"en": "active mining", "es": "minería activa"},
    "ev.report_verdict.mining_abandoned": {"en": "abandoned mining", "es": "minería abandonada"},
    "ev.report_verdict.not_mining": {"en": "not mining", "es": "no es minería"},
    "ev.report_verdict.not_reached": {"en": "could not reach the site", "es": "no se pudo llegar"},
    "ev.action.field_report": {"en": "field report filed", "es": "informe de campo enviado"},
    "ev.action.field_report_superseded": {"en": "field report superseded", "es": "informe de campo reemplazado"},
    "ev.action.field_report_stands": {
        "en": "field report marked as standing",
        "es": "informe de campo marcado como válido",
    },
    "ev.field.report_id": {"en": "report", "es": "informe"},
    "ev.field.verdict": {"en": "verdict", "es": "veredicto"},
    "ev.field.observed_at": {"en": "observed", "es": "observado"},
    "ev.field.position": {"en": "position", "es": "posición"},
    "ev.field.photos_sha256": {"en": "photos (SHA-256)", "es": "fotos (SHA-256)"},
    "ev.field.superseded_by": {"en": "superseded by", "es": "reemplazado por"},
    "ev.field.stands": {"en": "stands", "es": "prevalece"},
    "cmd.alerts_reports": {
        "en": "List an alert's field reports: verdict, author, time, position, notes, photos with SHA-256 and EXIF.",
        "es": "Listar los informes de campo de una alerta: veredicto, autor, hora, posición, notas, fotos con SHA-256 y EXIF.",
    },
    "report.cli.none": {"en": "No field reports for {id}.", "es": "No hay informes de campo para {id}."},
    "report.cli.conflict": {
        "en": "Current field reports by different people disagree.",
        "es": "Los informes de campo vigentes de distintas personas no coinciden.",
    },
    # --- issue #19: whatsnew ---
    "whatsnew.cause.mining": {"en": "Mining", "es": "Minería"},
    "whatsnew.cause.other": {"en": "Other cause", "es": "Otra causa"},
    # --- issue #19: change ---
    "cmd.layers": {
        "en": "Reference layers for the map: rivers, roads, towns.",
        "es": "Capas de referencia para el mapa: ríos, caminos, poblados.",
    },
    "cmd.layers_import": {
        "en": "Import a reference layer (GeoJSON, GeoPackage, Shapefile…) into the store; a layer of the same name is replaced.",
        "es": "Importar una capa de referencia (GeoJSON, GeoPackage, Shapefile…) al almacén; una capa del mismo nombre se reemplaza.",
    },
    "cmd.layers_list": {
        "en": "List the imported reference layers.",
        "es": "Listar las capas de referencia importadas.",
    },
    "opt.layer_file": {"en": "Vector file to import.", "es": "Archivo vectorial a importar."},
    "opt.layer_kind": {
        "en": "Kind: rivers, roads, towns or other.",
        "es": "Tipo: rivers (ríos), roads (caminos), towns (poblados) u other (otro).",
    },
    "opt.layer_name": {
        "en": "Layer name (letters, digits, _ . -).",
        "es": "Nombre de la capa (letras, dígitos, _ . -).",
    },
    "opt.layer_attribution": {
        "en": 'Who made the data, credited on the map (e.g. "INEI 2017").',
        "es": 'Quién hizo los datos, citado en el mapa (p. ej. "INEI 2017").',
    },
    "opt.layer_label_field": {
        "en": "Field with each feature's name (default: name, nombre, NOMBCP… when present).",
        "es": "Campo con el nombre de cada elemento (por defecto: name, nombre, NOMBCP… si existe).",
    },
    "layers.imported": {
        "en": "{n} features of kind {kind} stored as reference layer '{name}' in {store}.",
        "es": "{n} elementos de tipo {kind} guardados como capa de referencia '{name}' en {store}.",
    },
    # --- issue #20: imagery sources ---
    "src.cdse_missing_s3": {
        "en": "{source}: the files of these items are in its S3 store ({href}) and no S3 keys are configured. "
        "Set CDSE_S3_ACCESS_KEY and CDSE_S3_SECRET_KEY (keys made at https://eodata-s3keysmanager.dataspace.copernicus.eu), "
        "or s3_access_key and s3_secret_key under [cdse] in {config} (another file: CENTINELA_SOURCES). "
        "With only CDSE_TOKEN set, the HTTPS copies are read instead.",
        "es": "{source}: los archivos de estos ítems están en su almacén S3 ({href}) y no hay claves S3 configuradas. "
        "Defina CDSE_S3_ACCESS_KEY y CDSE_S3_SECRET_KEY (claves creadas en https://eodata-s3keysmanager.dataspace.copernicus.eu), "
        "o s3_access_key y s3_secret_key bajo [cdse] en {config} (otro archivo: CENTINELA_SOURCES). "
        "Con solo CDSE_TOKEN definido, se leen las copias HTTPS.",
    },
    "src.cdse_missing_token": {
        "en": "{source}: {href} is served over HTTPS to signed-in users and no token is configured. "
        "Set CDSE_TOKEN to an access token of identity.dataspace.copernicus.eu, or token under [cdse] in {config}.",
        "es": "{source}: {href} se sirve por HTTPS solo a usuarios identificados y no hay token configurado. "
        "Defina CDSE_TOKEN con un token de acceso de identity.dataspace.copernicus.eu, o token bajo [cdse] en {config}.",
    },
    "src.cdse_refused_s3": {
        "en": "{source} refused the S3 keys for {href} ({detail}). Check CDSE_S3_ACCESS_KEY and CDSE_S3_SECRET_KEY "
        "(or [cdse] in {config}); keys expire and can be renewed at https://eodata-s3keysmanager.dataspace.copernicus.eu.",
        "es": "{source} rechazó las claves S3 para {href} ({detail}). Revise CDSE_S3_ACCESS_KEY y CDSE_S3_SECRET_KEY "
        "(o [cdse] en {config}); las claves caducan y se renuevan en https://eodata-s3keysmanager.dataspace.copernicus.eu.",
    },
    "src.cdse_refused_token": {
        "en": "{source} refused the token for {href} ({detail}): it has expired (access tokens last minutes) or is "
        "not valid. Set a fresh one in CDSE_TOKEN (or token under [cdse] in {config}).",
        "es": "{source} rechazó el token para {href} ({detail}): caducó (los tokens de acceso duran minutos) o no es "
        "válido. Defina uno nuevo en CDSE_TOKEN (o token bajo [cdse] en {config}).",
    },
    "src.pc_refused": {
        "en": "{source} refused {href} ({detail}): its SAS token is missing or expired. The token API "
        "(PC_SDK_SAS_URL, default https://planetarycomputer.microsoft.com/api/sas/v1/token) must be reachable; "
        "set PC_SDK_SUBSCRIPTION_KEY if you have a key.",
        "es": "{source} rechazó {href} ({detail}): falta su token SAS o caducó. La API de tokens "
        "(PC_SDK_SAS_URL, por defecto https://planetarycomputer.microsoft.com/api/sas/v1/token) debe ser accesible; "
        "defina PC_SDK_SUBSCRIPTION_KEY si tiene una clave.",
    },
    "src.refused": {
        "en": "{source} refused {href} ({detail}): the server asks for credentials that are not configured or "
        "have expired; this is not a corrupt file.",
        "es": "{source} rechazó {href} ({detail}): el servidor pide credenciales que no están configuradas o "
        "caducaron; no es un archivo dañado.",
    },
    "src.bad_config": {
        "en": "{source}: the sources file {path} cannot be read ({detail}); expected TOML with a [cdse] table.",
        "es": "{source}: el archivo de fuentes {path} no se puede leer ({detail}); se esperaba TOML con una tabla [cdse].",
    },
    # --- Progress and results -----------------------------------------------------------------
    "sim.progress": {"en": "Simulating scenes", "es": "Simulando escenas"},
    "sim.done": {
        "en": "Simulated {n} dates of {size}×{size} px. Catalog: {catalog}  Ground truth: {truth}",
        "es": "Se simularon {n} fechas de {size}×{size} px. Catálogo: {catalog}  Verdad de campo: {truth}",
    },
    "ql.progress": {"en": "Reading imagery", "es": "Leyendo imágenes"},
    "ql.done": {"en": "Quick-looks written: {files}", "es": "Vistas rápidas escritas: {files}"},
    "demo.done": {
        "en": "Demo finished. Open these outputs:",
        "es": "Demostración terminada. Abra estos resultados:",
    },
    "error": {"en": "Error", "es": "Error"},
    "exists": {
        "en": "{path} already exists; use --overwrite to replace it.",
        "es": "{path} ya existe; use --overwrite para reemplazarlo.",
    },
    # --- Figure labels ------------------------------------------------------------------------
    "fig.true_colour": {"en": "True colour (B4-B3-B2)", "es": "Color verdadero (B4-B3-B2)"},
    "fig.false_colour": {
        "en": "False colour (B11-B8-B4): forest green, bare soil pink, water dark blue",
        "es": "Falso color (B11-B8-B4): bosque verde, suelo desnudo rosado, agua azul oscuro",
    },
    "fig.false_colour_short": {"en": "False colour (B11-B8-B4)", "es": "Falso color (B11-B8-B4)"},
    "fig.false_colour_key": {
        "en": "False colour: forest green, bare soil and sand pink, water dark blue",
        "es": "Falso color: bosque verde, suelo desnudo y arena rosado, agua azul oscuro",
    },
    "map.title": {
        "en": "Forest-loss alerts (recent clear false colour)",
        "es": "Alertas de pérdida de bosque (falso color reciente)",
    },
    "map.mining": {"en": "mining", "es": "minería"},
    "map.other": {"en": "other loss", "es": "otra pérdida"},
    "map.low": {"en": "low confidence (dashed)", "es": "confianza baja (discontinua)"},
    "fig.cloud_title": {"en": "Cloud cover by date", "es": "Nubosidad por fecha"},
    "fig.cloud_y": {"en": "Cloud cover (%)", "es": "Nubosidad (%)"},
    "fig.cloud_catalog": {
        "en": "declared in catalog (eo:cloud_cover)",
        "es": "declarada en el catálogo (eo:cloud_cover)",
    },
    "fig.cloud_measured": {"en": "not clear in the area (SCL mask)", "es": "no despejado en el área (máscara SCL)"},
    "fig.dry_season": {"en": "dry season (Jun–Sep)", "es": "época seca (jun–sep)"},
    "fig.simulated": {
        "en": "SIMULATED imagery (Centinela scene simulator), not a real acquisition",
        "es": "Imagen SIMULADA (simulador de escenas de Centinela), no es una adquisición real",
    },
    "fig.date": {"en": "Date", "es": "Fecha"},
}


def resolve_lang(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> str:
    """Pick the language from ``--lang X`` / ``--lang=X`` in argv, then CENTINELA_LANG, then Spanish."""
    argv = list(argv or [])
    env = os.environ if env is None else env
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    lang = (lang or env.get("CENTINELA_LANG") or DEFAULT_LANG).strip().lower()[:2]
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """Translate ``key`` into ``lang``, formatting it with ``fmt``; unknown keys fail loudly."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**fmt) if fmt else text


def both(key: str, **fmt: object) -> str:
    """Spanish and English together, for images and files read by people of either language."""
    return f"{t(key, 'es', **fmt)} / {t(key, 'en', **fmt)}"
