"""Static files, brotli-compressed in advance where the browser accepts it (issue #19: fast on a weak link).

The build (web/frontend/build.mjs) writes NAME.br beside each large script and stylesheet, compressed once at the
highest level: MapLibre's chunk and worker are ~18 % smaller than gzip makes them on the fly (~80 kB, over a
second and a half at 400 kbit/s). Browsers that do not accept brotli get the file itself, which GZipMiddleware
compresses as before.
"""

from __future__ import annotations

import mimetypes
import os
import stat

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


def accepts_brotli(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "br":
            q = params.strip().lower().removeprefix("q=")
            try:
                return not params or float(q) > 0
            except ValueError:
                return True
    return False


class PrecompressedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD") and accepts_brotli(Headers(scope=scope).get("accept-encoding", "")):
            full_path, found = await anyio.to_thread.run_sync(self.lookup_path, path + ".br")
            if found is not None and stat.S_ISREG(found.st_mode):
                response = self.file_response(full_path, found, scope)  # its own ETag; 304 when unchanged
                response.headers["Content-Encoding"] = "br"
                response.headers["Vary"] = "Accept-Encoding"
                media_type = mimetypes.guess_type(os.path.basename(path))[0]
                if media_type:
                    response.headers["Content-Type"] = media_type + ("; charset=utf-8" if "text" in media_type else "")
                return response
        response = await super().get_response(path, scope)
        response.headers.setdefault("Vary", "Accept-Encoding")
        return response
