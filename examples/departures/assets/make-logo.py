#!/usr/bin/env python3
"""Draws the departures example's logo (ours, MIT like the project): a blue disc with
a white clock face, anti-aliased edges as alpha. Writes logo.png (RGBA, 96x96) with
the standard library only. Run it again to regenerate the file."""
import math, struct, zlib, pathlib

SIZE = 96
SAMPLES = 4  # per axis, for anti-aliasing


def inside(x, y):
    """(is logo, is white) at a point; the centre is (48, 48)."""
    dx, dy = x - 48, y - 48
    r = math.hypot(dx, dy)
    if r > 46:
        return False, False
    ring = 30 <= r <= 36
    # Hands: 10 o'clock (short) and 2 o'clock... a departure board's "now".
    def hand(angle_deg, length, width):
        a = math.radians(angle_deg)
        ux, uy = math.sin(a), -math.cos(a)
        along = dx * ux + dy * uy
        across = abs(-dx * uy + dy * ux)
        return 0 <= along <= length and across <= width
    white = ring or hand(300, 20, 3) or hand(60, 26, 2.5) or r <= 4
    return True, white


rows = []
for py in range(SIZE):
    row = bytearray([0])
    for px in range(SIZE):
        cover = white = 0
        for sy in range(SAMPLES):
            for sx in range(SAMPLES):
                on, w = inside(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES)
                cover += on
                white += on and w
        n = SAMPLES * SAMPLES
        alpha = round(255 * cover / n)
        if cover:
            t = white / cover
            rgb = [round(0x1E + t * (255 - 0x1E)), round(0x63 + t * (255 - 0x63)), round(0xB5 + t * (255 - 0xB5))]
        else:
            rgb = [0, 0, 0]
        row += bytes(rgb + [alpha])
    rows.append(bytes(row))


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


png = b"\x89PNG\r\n\x1a\n"
png += chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
png += chunk(b"IEND", b"")
pathlib.Path(__file__).with_name("logo.png").write_bytes(png)
