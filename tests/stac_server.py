"""A small loopback HTTP server for tests: static files with HTTP Range support, plus an optional STAC API.

Standard library only for the server itself (``http.server``, ``threading``); pystac and shapely are used
to load the catalog served by the API and to filter items, as the package already depends on them.

* Files under ``root`` are served as they are: ``GET`` and ``HEAD``, single byte ranges
  (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) answered with ``206 Partial Content``, ``416`` when a
  range cannot be satisfied. GDAL's ``/vsicurl`` reads Cloud-Optimized GeoTIFFs this way.
* With ``api_catalog`` given, a minimal STAC API lives under ``/api/``: landing page, ``/collections``,
  ``/collections/{id}``, ``/collections/{id}/items[/{item}]`` and ``GET``/``POST /search`` with
  ``collections``, ``ids``, ``datetime``, ``bbox``, ``intersects``, ``limit`` and token paging. Its
  items are read once from the static catalog; asset hrefs that point into ``root`` become URLs of
  this server, so pixels are read over HTTP too.

Every request is counted per path (``ServerURL.requests``) so tests can check which endpoints were used::

    with serve(scene.out, api_catalog=scene.catalog) as base:
        items = search_items(base + "/api/", aoi, start, end)
        assert base.requests["/api/search"] > 0
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import mimetypes
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pystac
import shapely

API_PREFIX = "/api"
CONFORMS_TO = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/item-search",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "http://www.opengis.net/spec/ogcapi-features-1/conf/1.0/core",
    "http://www.opengis.net/spec/ogcapi-features-1/conf/1.0/geojson",
]
MAX_LIMIT = 10_000
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_TYPES = {".json": "application/json", ".geojson": "application/geo+json", ".tif": "image/tiff", ".tiff": "image/tiff"}


class ApiError(Exception):
    """An error answered as STAC API JSON (``{"code", "description"}``) with an HTTP status."""

    def __init__(self, status: HTTPStatus, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


class ServerURL(str):
    """The server's base URL (``http://127.0.0.1:PORT``, no trailing slash), carrying its request log.

    It is a plain ``str`` for building URLs (``base + "/api/"``); ``requests`` counts requests per path
    (query strings left out) and ``log`` lists ``(method, path, status)`` in order.
    """

    server: StacTestServer

    @property
    def requests(self) -> Counter:
        return self.server.requests

    @property
    def log(self) -> list[tuple[str, str, int]]:
        return self.server.log


# --- the STAC API's data --------------------------------------------------------------------------


def _parse_time(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text.strip())
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _item_interval(item: dict) -> tuple[dt.datetime, dt.datetime]:
    props = item["properties"]
    if props.get("datetime"):
        t = _parse_time(props["datetime"])
        return t, t
    return _parse_time(props["start_datetime"]), _parse_time(props["end_datetime"])


class StacApi:
    """Items and collections of a static catalog, answered as a STAC API rooted at ``base + /api``."""

    def __init__(self, catalog: Path, root: Path, base: str, default_limit: int = 10):
        self.base = base
        self.api = base + API_PREFIX
        self.default_limit = default_limit
        cat = pystac.read_file(str(catalog))
        self.collections: dict[str, dict] = {}
        items: list[pystac.Item] = []
        if isinstance(cat, pystac.Catalog):
            for col in cat.get_all_collections():
                self.collections[col.id] = self._collection_dict(col)
            items = list(cat.get_items(recursive=True))
        root = root.resolve()
        self.items: list[dict] = []
        for item in items:
            item.make_asset_hrefs_absolute()
            self.items.append(self._item_dict(item, root))
        self.items.sort(key=lambda d: (_item_interval(d)[0], d["id"]))
        self._geoms = {
            d["id"]: (shapely.geometry.shape(d["geometry"]) if d.get("geometry") else shapely.box(*d["bbox"]))
            for d in self.items
        }
        self._times = {d["id"]: _item_interval(d) for d in self.items}

    # documents

    def _url(self, path: str, root: Path) -> str:
        """URL of a local file under ``root`` on this server; other hrefs are returned unchanged."""
        try:
            rel = Path(path).resolve().relative_to(root)
        except ValueError:
            return path
        return f"{self.base}/{quote(rel.as_posix())}"

    def _item_dict(self, item: pystac.Item, root: Path) -> dict:
        d = item.to_dict(include_self_link=False, transform_hrefs=False)
        for asset in d.get("assets", {}).values():
            href = asset["href"]
            if not re.match(r"^[a-z][a-z0-9+.-]*://", href):
                asset["href"] = self._url(href, root)
        cid = item.collection_id
        d["collection"] = cid
        d["links"] = [
            {"rel": "self", "href": f"{self.api}/collections/{cid}/items/{item.id}", "type": "application/geo+json"},
            {"rel": "parent", "href": f"{self.api}/collections/{cid}", "type": "application/json"},
            {"rel": "collection", "href": f"{self.api}/collections/{cid}", "type": "application/json"},
            {"rel": "root", "href": f"{self.api}/", "type": "application/json"},
        ]
        return d

    def _collection_dict(self, col: pystac.Collection) -> dict:
        d = col.to_dict(include_self_link=False, transform_hrefs=False)
        d["links"] = [
            {"rel": "self", "href": f"{self.api}/collections/{col.id}", "type": "application/json"},
            {"rel": "parent", "href": f"{self.api}/", "type": "application/json"},
            {"rel": "root", "href": f"{self.api}/", "type": "application/json"},
            {"rel": "items", "href": f"{self.api}/collections/{col.id}/items", "type": "application/geo+json"},
        ]
        return d

    def landing(self) -> dict:
        return {
            "type": "Catalog",
            "stac_version": "1.0.0",
            "id": "centinela-test-api",
            "title": "Centinela test STAC API",
            "description": "A minimal STAC API over a simulated static catalog, for tests.",
            "conformsTo": CONFORMS_TO,
            "links": [
                {"rel": "self", "href": f"{self.api}/", "type": "application/json"},
                {"rel": "root", "href": f"{self.api}/", "type": "application/json"},
                {"rel": "data", "href": f"{self.api}/collections", "type": "application/json"},
                {"rel": "conformance", "href": f"{self.api}/conformance", "type": "application/json"},
                {"rel": "search", "href": f"{self.api}/search", "type": "application/geo+json", "method": "GET"},
                {"rel": "search", "href": f"{self.api}/search", "type": "application/geo+json", "method": "POST"},
                *(
                    {"rel": "child", "href": f"{self.api}/collections/{cid}", "type": "application/json"}
                    for cid in self.collections
                ),
            ],
        }

    def collections_doc(self) -> dict:
        return {
            "collections": list(self.collections.values()),
            "links": [
                {"rel": "self", "href": f"{self.api}/collections", "type": "application/json"},
                {"rel": "root", "href": f"{self.api}/", "type": "application/json"},
            ],
        }

    def collection(self, cid: str) -> dict:
        if cid not in self.collections:
            raise ApiError(HTTPStatus.NOT_FOUND, f"collection {cid!r} not found")
        return self.collections[cid]

    def item(self, cid: str, iid: str) -> dict:
        self.collection(cid)
        for d in self.items:
            if d["id"] == iid and d["collection"] == cid:
                return d
        raise ApiError(HTTPStatus.NOT_FOUND, f"item {iid!r} not found in collection {cid!r}")

    # search

    @staticmethod
    def params_from_query(query: str) -> dict:
        """GET query string → search parameters in their POST (JSON) form."""
        q = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        out: dict = {}
        for key in ("collections", "ids"):
            if q.get(key):
                out[key] = [s for s in q[key].split(",") if s]
        if q.get("bbox"):
            try:
                out["bbox"] = [float(v) for v in q["bbox"].split(",")]
            except ValueError as exc:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"bbox: {exc}") from exc
        if q.get("intersects"):
            try:
                out["intersects"] = json.loads(q["intersects"])
            except json.JSONDecodeError as exc:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"intersects is not GeoJSON: {exc}") from exc
        for key in ("datetime", "limit", "token"):
            if q.get(key):
                out[key] = q[key]
        return out

    def search(self, params: dict, method: str, url: str, collection: str | None = None) -> dict:
        """An ItemCollection page for ``params``; ``url`` is the endpoint (no query) for paging links."""
        collections = params.get("collections")
        if collection is not None:
            self.collection(collection)
            collections = [collection]
        if isinstance(collections, str):
            collections = [collections]
        ids = params.get("ids")
        if isinstance(ids, str):
            ids = [ids]
        try:
            limit = int(params.get("limit") or self.default_limit)
        except (TypeError, ValueError) as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"limit: {exc}") from exc
        if limit < 1:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"limit must be a positive integer, got {limit}")
        limit = min(limit, MAX_LIMIT)
        if params.get("bbox") is not None and params.get("intersects") is not None:
            raise ApiError(HTTPStatus.BAD_REQUEST, "bbox and intersects are mutually exclusive")
        geom = None
        if params.get("bbox") is not None:
            bbox = [float(v) for v in params["bbox"]]
            if len(bbox) == 6:
                bbox = [bbox[0], bbox[1], bbox[3], bbox[4]]
            if len(bbox) != 4:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"bbox needs 4 or 6 numbers, got {len(bbox)}")
            geom = shapely.box(*bbox)
        elif params.get("intersects") is not None:
            try:
                geom = shapely.geometry.shape(params["intersects"])
            except Exception as exc:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"intersects is not a GeoJSON geometry: {exc}") from exc
        t0, t1 = self._interval(params.get("datetime"))
        token = params.get("token")
        start = 0
        if token:
            m = re.fullmatch(r"next:(\d+)", str(token))
            if not m:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"bad paging token {token!r}")
            start = int(m.group(1))

        matched = []
        for d in self.items:
            if collections and d["collection"] not in collections:
                continue
            if ids and d["id"] not in ids:
                continue
            a, b = self._times[d["id"]]
            if (t0 is not None and b < t0) or (t1 is not None and a > t1):
                continue
            if geom is not None and not self._geoms[d["id"]].intersects(geom):
                continue
            matched.append(d)
        page = matched[start : start + limit]
        links = [{"rel": "root", "href": f"{self.api}/", "type": "application/json"}]
        if start + limit < len(matched):
            next_token = f"next:{start + limit}"
            if method == "POST":
                links.append(
                    {
                        "rel": "next",
                        "href": url,
                        "type": "application/geo+json",
                        "method": "POST",
                        "body": {"token": next_token},
                        "merge": True,
                    }
                )
            else:
                query = self._query_of({**params, "token": next_token})
                links.append({"rel": "next", "href": f"{url}?{query}", "type": "application/geo+json", "method": "GET"})
        return {
            "type": "FeatureCollection",
            "features": page,
            "links": links,
            "numberMatched": len(matched),
            "numberReturned": len(page),
            "context": {"matched": len(matched), "returned": len(page), "limit": limit},
        }

    @staticmethod
    def _interval(value) -> tuple[dt.datetime | None, dt.datetime | None]:
        if value is None or value == "":
            return None, None
        parts = str(value).split("/")
        try:
            if len(parts) == 1:
                t = _parse_time(parts[0])
                return t, t
            if len(parts) != 2:
                raise ValueError("expected an instant or an interval 'start/end'")
            a, b = (None if p in ("", "..") else _parse_time(p) for p in parts)
        except ValueError as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"datetime {value!r}: {exc}") from exc
        if a is None and b is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, "datetime: both ends of the interval are open")
        if a is not None and b is not None and b < a:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"datetime {value!r}: end before start")
        return a, b

    @staticmethod
    def _query_of(params: dict) -> str:
        q = {}
        for key, value in params.items():
            if value is None:
                continue
            if key in ("collections", "ids", "bbox") and isinstance(value, (list, tuple)):
                q[key] = ",".join(str(v) for v in value)
            elif key == "intersects":
                q[key] = json.dumps(value)
            else:
                q[key] = str(value)
        return urlencode(q)


# --- the server -----------------------------------------------------------------------------------


class StacTestServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, api_catalog: Path | None = None, default_limit: int = 10):
        super().__init__(("127.0.0.1", 0), RangeRequestHandler)
        self.root = Path(root).resolve()
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.api = StacApi(Path(api_catalog), self.root, self.base, default_limit) if api_catalog is not None else None
        self.requests: Counter = Counter()
        self.log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests[path] += 1
            self.log.append((method, path, status))

    # keep-alive connections are tracked so that closing the server also ends idle ones
    def process_request(self, request, client_address):
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self, timeout: float = 5.0) -> None:
        """End open (mostly idle keep-alive) connections and wait until their handler threads are done."""
        with self._lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._open:
                    return
            time.sleep(0.01)


class RangeRequestHandler(BaseHTTPRequestHandler):
    """Static files with single-range support; ``/api/...`` goes to the server's STAC API when it has one."""

    server: StacTestServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this
    server_version = "CentinelaTestServer/1.0"

    def log_message(self, format, *args):  # quiet: tests read ``base.log`` instead
        pass

    # dispatch

    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        self._status = 0
        try:
            if self.server.api is not None and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
                self._api(method, path, parts.query)
            elif method == "POST":
                self._json(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    {"code": "MethodNotAllowed", "description": "POST is only accepted by the STAC API"},
                    head=False,
                )
            else:
                self._file(path, head=method == "HEAD")
        except ApiError as exc:
            self._json(
                exc.status,
                {"code": exc.status.phrase.replace(" ", ""), "description": exc.description},
                head=method == "HEAD",
            )
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self.server.record(method, path, self._status)

    def send_response(self, code, message=None):
        self._status = int(code)
        super().send_response(code, message)

    # files

    def _file(self, path: str, head: bool) -> None:
        target = (self.server.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.server.root) or not target.is_file():
            self._plain(HTTPStatus.NOT_FOUND, f"{path}: not found\n", head)
            return
        size = target.stat().st_size
        ctype = _TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        first, last = 0, size - 1
        status = HTTPStatus.OK
        header = self.headers.get("Range")
        if header is not None:
            m = _RANGE.match(header.strip())
            if m and (m.group(1) or m.group(2)):  # a single range; anything else is ignored (whole file, 200)
                a, b = m.group(1), m.group(2)
                if a:
                    first = int(a)
                    last = min(int(b), size - 1) if b else size - 1
                    ok = first < size and (not b or int(b) >= first)
                else:  # suffix: the last n bytes
                    n = int(b)
                    first, last = max(size - n, 0), size - 1
                    ok = n > 0 and size > 0
                if not ok:
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = HTTPStatus.PARTIAL_CONTENT
        length = last - first + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Last-Modified", self.date_time_string(int(target.stat().st_mtime)))
        self.end_headers()
        if head or not length:
            return
        with target.open("rb") as f:
            f.seek(first)
            remaining = length
            while remaining > 0:
                chunk = f.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)

    def _plain(self, status: HTTPStatus, text: str, head: bool) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: HTTPStatus, doc: dict, head: bool, ctype: str = "application/json") -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    # the STAC API

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"the request body is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "the request body must be a JSON object")
        return doc

    def _api(self, method: str, path: str, query: str) -> None:
        api = self.server.api
        assert api is not None
        body = self._body() if method == "POST" else {}
        head = method == "HEAD"
        segs = [s for s in path[len(API_PREFIX) :].split("/") if s]
        geo = "application/geo+json"
        if method == "POST" and segs != ["search"]:
            raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"POST is not accepted at {path}")
        if not segs:
            self._json(HTTPStatus.OK, api.landing(), head)
        elif segs == ["conformance"]:
            self._json(HTTPStatus.OK, {"conformsTo": CONFORMS_TO}, head)
        elif segs == ["collections"]:
            self._json(HTTPStatus.OK, api.collections_doc(), head)
        elif len(segs) == 2 and segs[0] == "collections":
            self._json(HTTPStatus.OK, api.collection(segs[1]), head)
        elif len(segs) == 3 and segs[0] == "collections" and segs[2] == "items":
            params = api.params_from_query(query)
            params.pop("collections", None)
            self._json(
                HTTPStatus.OK,
                api.search(params, "GET", f"{api.api}/collections/{segs[1]}/items", collection=segs[1]),
                head,
                geo,
            )
        elif len(segs) == 4 and segs[0] == "collections" and segs[2] == "items":
            self._json(HTTPStatus.OK, api.item(segs[1], segs[3]), head, geo)
        elif segs == ["search"]:
            params = body if method == "POST" else api.params_from_query(query)
            self._json(
                HTTPStatus.OK, api.search(params, "POST" if method == "POST" else "GET", f"{api.api}/search"), head, geo
            )
        else:
            raise ApiError(HTTPStatus.NOT_FOUND, f"{path}: no such STAC API endpoint")


@contextlib.contextmanager
def serve(root: Path, api_catalog: Path | None = None, *, default_limit: int = 10) -> Iterator[ServerURL]:
    """Serve ``root`` on ``127.0.0.1`` (a free port) in a background thread; yield the base URL.

    With ``api_catalog`` (a static catalog.json, normally under ``root``), a STAC API is served under
    ``/api/``; ``default_limit`` is its page size when a search gives no ``limit``.
    """
    server = StacTestServer(Path(root), api_catalog, default_limit)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="stac-test-server", daemon=True
    )
    thread.start()
    url = ServerURL(server.base)
    url.server = server
    try:
        yield url
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)


__all__ = ["RangeRequestHandler", "ServerURL", "StacApi", "StacTestServer", "serve"]

if __name__ == "__main__":  # manual use: python tests/stac_server.py ROOT [CATALOG]
    import sys

    with serve(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None) as base:
        print(base, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
