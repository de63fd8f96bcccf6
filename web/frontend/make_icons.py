"""Draw the installable app's icons (web/frontend/src/pwa/icon-192.png, icon-512.png) with Pillow.

A plain mark, no text, so it reads at any size: a white ring (the watch) around a gold square (the ore)
on the top bar's green. Everything important sits inside the central 80 %, so a phone that crops icons
into a circle or rounded square ("maskable") keeps it whole. Run: .venv/bin/python web/frontend/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (18, 55, 42)  # --topbar in app.css
GOLD = (230, 176, 34)
OUT = Path(__file__).resolve().parent / "src" / "pwa"


def icon(size: int) -> Image.Image:
    big = size * 4  # draw large, then shrink: smooth edges without an antialiasing library
    img = Image.new("RGB", (big, big), GREEN)
    d = ImageDraw.Draw(img)
    c, r, w = big / 2, big * 0.28, big * 0.06
    d.ellipse((c - r, c - r, c + r, c + r), outline="white", width=round(w))
    s = big * 0.09
    d.polygon([(c, c - s * 1.3), (c + s * 1.3, c), (c, c + s * 1.3), (c - s * 1.3, c)], fill=GOLD)
    return img.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        # optimize + no metadata: same bytes at every run, so the build's content hashes do not move
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
        print(OUT / f"icon-{size}.png")
