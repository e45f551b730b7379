"""Draw Spotifreak's brand images into custom_components/spotifreak/brand/ (made by us, with Pillow).

A green disc holding a stack of playlist lines (the cache) inside two circling arrows (the sync).
Home Assistant 2026.3+ serves these local images: icon 256x256 (@2x 512), logo landscape with the
shortest side 128-256 (@2x double), dark_ variants for dark themes (only the wordmark changes).

    python scripts/devtools/make_brand.py   # any environment with Pillow (the demo one has it)
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parents[2] / "custom_components" / "spotifreak" / "brand"
GREEN = (30, 185, 84, 255)
WHITE = (255, 255, 255, 255)
INK = (25, 20, 20, 255)  # the wordmark on light backgrounds
SUPERSAMPLE = 4
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


def _arrow_arc(
    draw: ImageDraw.ImageDraw,
    center: tuple[float, float],
    radius: float,
    start: float,
    end: float,
    width: float,
) -> None:
    """An arc from `start` to `end` degrees (clockwise on screen) ending in an arrowhead."""
    cx, cy = center
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    draw.arc(box, start, end, fill=WHITE, width=round(width))
    # Round the tail.
    tail = math.radians(start)
    inner = radius - width / 2
    tx, ty = cx + inner * math.cos(tail), cy + inner * math.sin(tail)
    draw.ellipse((tx - width / 2, ty - width / 2, tx + width / 2, ty + width / 2), fill=WHITE)
    # Arrowhead at the end, pointing along the clockwise tangent.
    head = math.radians(end)
    px, py = cx + inner * math.cos(head), cy + inner * math.sin(head)
    tangent = (-math.sin(head), math.cos(head))
    normal = (math.cos(head), math.sin(head))
    size = width * 1.6
    tip = (px + tangent[0] * size * 1.1, py + tangent[1] * size * 1.1)
    left = (px + normal[0] * size, py + normal[1] * size)
    right = (px - normal[0] * size, py - normal[1] * size)
    draw.polygon([tip, left, right], fill=WHITE)


def icon(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = big * 0.02
    draw.ellipse((margin, margin, big - margin, big - margin), fill=GREEN)
    center = (big / 2, big / 2)
    stroke = big * 0.065
    radius = big * 0.34
    _arrow_arc(draw, center, radius, 200, 330, stroke)
    _arrow_arc(draw, center, radius, 20, 150, stroke)
    # The cache: three playlist lines, the last one shorter.
    bar = big * 0.055
    left = big * 0.36
    for index, (width, offset) in enumerate(((0.30, -0.105), (0.30, 0.0), (0.19, 0.105))):
        top = big / 2 + offset * big - bar / 2
        draw.rounded_rectangle(
            (left, top, left + width * big, top + bar), radius=bar / 2, fill=WHITE
        )
        if index == 2:  # a note head beside the short line
            r = bar * 0.95
            x = left + width * big + r * 1.6
            draw.ellipse((x - r, top + bar / 2 - r, x + r, top + bar / 2 + r), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def logo(height: int, ink: tuple[int, int, int, int]) -> Image.Image:
    big = height * SUPERSAMPLE
    mark = icon(height).resize((big, big), Image.Resampling.LANCZOS)
    font = _font(round(big * 0.42))
    text = "Spotifreak"
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    gap = big * 0.18
    width = round(big + gap + (right - left) + big * 0.06)
    image = Image.new("RGBA", (width, big), (0, 0, 0, 0))
    image.alpha_composite(mark, (0, 0))
    draw = ImageDraw.Draw(image)
    y = (big - (bottom - top)) / 2 - top
    draw.text((big + gap - left, y), text, font=font, fill=ink)
    return image.resize((round(width / SUPERSAMPLE), height), Image.Resampling.LANCZOS)


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    icon(256).save(BRAND / "icon.png", optimize=True)
    icon(512).save(BRAND / "icon@2x.png", optimize=True)
    for prefix, ink in (("", INK), ("dark_", WHITE)):
        logo(160, ink).save(BRAND / f"{prefix}logo.png", optimize=True)
        logo(320, ink).save(BRAND / f"{prefix}logo@2x.png", optimize=True)
    for path in sorted(BRAND.glob("*.png")):
        with Image.open(path) as image:
            print(f"{path.name}: {image.size[0]}x{image.size[1]}")


if __name__ == "__main__":
    main()
