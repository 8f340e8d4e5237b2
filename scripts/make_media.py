"""Make the demo media under demo/schedules/media/ (how they were made; tests never run it).

Needs, in a throwaway virtualenv (not the project's, PyAV is no dependency of the pipeline):
    python3 -m venv /tmp/mediavenv && /tmp/mediavenv/bin/pip install av pillow
    /tmp/mediavenv/bin/python scripts/make_media.py [--out demo/schedules/media]

Everything is drawn with Pillow (its built-in font, so the result does not depend on the fonts of
the machine); videos are encoded as H.264 in MP4 by PyAV's bundled FFmpeg (libx264).

| file                  | what                          | size       | for                         |
|-----------------------|-------------------------------|------------|-----------------------------|
| winter-hero.jpg       | product photo (a mug)         | 1080x1080  | feed posts, X, LinkedIn     |
| tips.jpg              | text card                     | 1080x1350  | carousels (4:5)             |
| gift-guide.png        | pin graphic                   | 1000x1500  | Pinterest (2:3)             |
| behind-the-scenes.mp4 | vertical clip, 5 s, 30 fps    | 720x1280   | reels, TikTok, shorts       |
| lookbook.mp4          | landscape clip, 8 s, 30 fps   | 1280x720   | YouTube, LinkedIn, X        |
| teaser.mov            | QuickTime clip (H.264), 3 s   | 720x1280   | the API's MOV import        |
| snowfall.webm         | WebM clip (VP9), 3 s, 25 fps  | 640x360    | the API's WebM import       |
"""

from __future__ import annotations

import argparse
import math
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CREAM = (246, 240, 230)
NAVY = (28, 42, 74)
RUST = (196, 92, 54)
SAGE = (139, 160, 132)
WHITE = (255, 255, 255)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def vertical_gradient(
    size: tuple[int, int], top: tuple[int, ...], bottom: tuple[int, ...]
) -> Image.Image:
    height = size[1]
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(height - 1, 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize(size)


def mug(
    image: Image.Image, centre: tuple[int, int], scale: float, colour: tuple[int, int, int]
) -> None:
    """A mug on a table with a soft shadow: enough of a product photo for previews."""
    cx, cy = centre
    w, h = int(360 * scale), int(420 * scale)
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).ellipse(
        (cx - w * 0.7, cy + h * 0.42, cx + w * 0.7, cy + h * 0.62), fill=110
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(28 * scale))
    image.paste((60, 50, 40), mask=shadow)
    draw = ImageDraw.Draw(image)
    handle = (
        cx + w // 2 - int(30 * scale),
        cy - h // 4,
        cx + w // 2 + int(110 * scale),
        cy + h // 4,
    )
    draw.ellipse(handle, outline=colour, width=int(34 * scale))
    draw.rounded_rectangle(
        (cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2), int(40 * scale), fill=colour
    )
    draw.ellipse(
        (cx - w // 2, cy - h // 2 - int(30 * scale), cx + w // 2, cy - h // 2 + int(30 * scale)),
        fill=tuple(max(c - 40, 0) for c in colour),
    )
    draw.rectangle(
        (
            cx - w // 2 + int(30 * scale),
            cy - h // 2 + int(60 * scale),
            cx - w // 2 + int(60 * scale),
            cy + h // 2 - int(60 * scale),
        ),
        fill=tuple(min(c + 35, 255) for c in colour),
    )


def winter_hero(path: Path) -> None:
    image = vertical_gradient((1080, 1080), (236, 228, 214), (205, 190, 170))
    ImageDraw.Draw(image).rectangle((0, 760, 1080, 1080), fill=(180, 160, 138))
    mug(image, (540, 560), 1.3, RUST)
    draw = ImageDraw.Draw(image)
    draw.text((540, 120), "WINTER MUG", font=font(72), fill=NAVY, anchor="mm")
    draw.text((540, 190), "handmade stoneware", font=font(36), fill=NAVY, anchor="mm")
    image.save(path, "JPEG", quality=82, optimize=True, progressive=True)


def tips(path: Path) -> None:
    image = Image.new("RGB", (1080, 1350), CREAM)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1080, 260), fill=NAVY)
    draw.text((80, 130), "Tip #1", font=font(110), fill=WHITE, anchor="lm")
    lines = [
        "Warm the mug first:",
        "rinse it with hot water",
        "and your coffee stays",
        "hot twice as long.",
    ]
    for i, line in enumerate(lines):
        draw.text((80, 420 + i * 110), line, font=font(64), fill=NAVY)
    for i in range(5):
        draw.ellipse((80 + i * 60, 1200, 110 + i * 60, 1230), fill=RUST if i == 0 else SAGE)
    image.save(path, "JPEG", quality=85, optimize=True)


def gift_guide(path: Path) -> None:
    image = Image.new("RGB", (1000, 1500), SAGE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 940, 1440), fill=CREAM)
    draw.text((500, 200), "GIFT GUIDE", font=font(110), fill=NAVY, anchor="mm")
    draw.text((500, 320), "for coffee lovers", font=font(56), fill=RUST, anchor="mm")
    for row, colour in enumerate((RUST, NAVY, SAGE)):
        y = 470 + row * 300
        draw.rounded_rectangle((140, y, 400, y + 240), 30, fill=colour)
        draw.text((460, y + 80), f"Gift no. {row + 1}", font=font(60), fill=NAVY)
        draw.text((460, y + 160), f"from {19 + row * 10} EUR", font=font(44), fill=RUST)
    draw.text((500, 1380), "shop.example.com", font=font(44), fill=NAVY, anchor="mm")
    # A palette keeps the flat graphic small, as pin graphics exported from design tools are.
    image.quantize(colors=64, dither=Image.Dither.NONE).save(path, "PNG", optimize=True)


def frame(size: tuple[int, int], t: float, title: str) -> Image.Image:
    width, height = size
    image = vertical_gradient(
        size, (40 + int(30 * math.sin(t)), 52, 90), (196, 92 + int(20 * math.cos(t)), 54)
    )
    scale = min(width, height) / 900
    x = width / 2 + math.sin(t * 1.3) * width * 0.25
    y = height * 0.55 + math.cos(t * 0.9) * height * 0.08
    mug(image, (int(x), int(y)), scale, CREAM)
    draw = ImageDraw.Draw(image)
    draw.text(
        (width / 2, height * 0.12), title, font=font(int(64 * scale)), fill=WHITE, anchor="mm"
    )
    draw.text(
        (width / 2, height * 0.9),
        f"{t:4.1f} s",
        font=font(int(40 * scale)),
        fill=WHITE,
        anchor="mm",
    )
    return image


H264 = ("libx264", {"crf": "30", "preset": "slow", "tune": "animation"})
VP9 = ("libvpx-vp9", {"crf": "40", "b": "0", "deadline": "good"})


def clip(
    path: Path,
    size: tuple[int, int],
    seconds: int,
    title: str,
    fps: int = 30,
    codec: tuple[str, dict[str, str]] = H264,
) -> None:
    options = {"movflags": "+faststart"} if path.suffix in (".mp4", ".mov") else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream(codec[0], rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = codec[1]
        for i in range(seconds * fps):
            video_frame = av.VideoFrame.from_image(frame(size, i / fps, title))
            video_frame.pts = i
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description="Make the example media files.")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "demo" / "schedules" / "media",
    )
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    winter_hero(out / "winter-hero.jpg")
    tips(out / "tips.jpg")
    gift_guide(out / "gift-guide.png")
    clip(out / "behind-the-scenes.mp4", (720, 1280), 5, "Behind the scenes")
    clip(out / "lookbook.mp4", (1280, 720), 8, "Winter lookbook 2026")
    clip(out / "teaser.mov", (720, 1280), 3, "Coming soon")
    clip(out / "snowfall.webm", (640, 360), 3, "Snowfall", fps=25, codec=VP9)
    for file in sorted(out.iterdir()):
        print(f"{file.name:24} {file.stat().st_size:>9,} bytes")


if __name__ == "__main__":
    main()
