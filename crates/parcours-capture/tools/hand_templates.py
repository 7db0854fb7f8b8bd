"""Renders the handwriting-like glyphs of digit fields (0-9 and the date's
slash) from every handwriting font Debian packages here into
`src/hand_templates.bin`, with the `+` of an international phone number and
the `A` and `B` of a Corsican NIR, and the block capitals, digits, `@` and
`+` of the letter fields (names, places, addresses, e-mail) into
`src/hand_letters.bin` (run from the repository root with the project's
venv: `.tools/venv/bin/python crates/parcours-capture/tools/hand_templates.py`;
besides scripts/setup.sh's fonts it needs `apt-get install
fonts-dkg-handwriting fonts-femkeklaver`, or the files differ).
The small punctuation of letter fields (`.`, `-`, `_`, `'`) and the accents
are told apart by their size and place on the line (`hand_letters.rs`), not
by templates: a dot or a dash fills its square like any blob.

`--without-generator-fonts` leaves out the fonts that our fixture generator
writes with, to measure the reader on hands it has never seen.

Each glyph is rendered at a cap height of about 70 px, turned by -5, 0 and
5 degrees, thin and thickened, cut to its ink, padded to a square and
box-averaged to S x S ink coverage (0 paper, 255 ink): exactly what
`hand_digits::normalise` does to a scanned glyph. File: b"HDG1" (digits)
or b"HDL1" (letters), S (u8), then per template the character (u8) and S*S
bytes."""

import argparse
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

S = 16
CHARS = "0123456789/+AB"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+"
FONTS = [
    # (path, used by tests/fixtures/gen)
    ("/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf", True),
    ("/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf", True),
    ("/usr/share/fonts/opentype/comic-neue/ComicNeue-Bold.otf", True),
    ("/usr/share/fonts/opentype/comic-neue/ComicNeue-Light.otf", False),
    ("/usr/share/fonts/opentype/comic-neue/ComicNeue-Italic.otf", False),
    ("/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf", True),
    ("/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf", True),
    ("/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf", True),
    ("/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf", True),
    ("/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf", True),
    ("/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf", False),
    ("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", False),
    ("/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf", False),
    ("/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf", False),
    ("/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf", False),
]


def normalise(mask: np.ndarray) -> np.ndarray:
    """Ink mask (bool) -> S x S coverage, as hand_digits::normalise."""
    ys, xs = np.nonzero(mask)
    m = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = m.shape
    side = max(h, w)
    sq = np.zeros((side, side), dtype=np.float64)
    oy, ox = (side - h) // 2, (side - w) // 2
    sq[oy:oy + h, ox:ox + w] = m
    out = np.zeros((S, S))
    for r in range(S):
        y0, y1 = r * side // S, max(r * side // S + 1, (r + 1) * side // S)
        for c in range(S):
            x0, x1 = c * side // S, max(c * side // S + 1, (c + 1) * side // S)
            out[r, c] = sq[y0:y1, x0:x1].mean()
    return np.round(out * 255).astype(np.uint8)


def render(path: str, ch: str, angle: float, grow: int) -> np.ndarray:
    f = ImageFont.truetype(path, 100)
    img = Image.new("L", (300, 300), 0)
    ImageDraw.Draw(img).text((100, 200), ch, font=f, fill=255, anchor="ls")
    img = img.rotate(angle, resample=Image.BICUBIC, center=(130, 170))
    if grow:
        img = img.filter(ImageFilter.MaxFilter(2 * grow + 1))
    return np.asarray(img) >= 128


def write(out: str, magic: bytes, chars: str, fonts: list) -> None:
    data = bytearray(magic + bytes([S]))
    n = 0
    for path in fonts:
        for ch in chars:
            for angle in (-5, 0, 5):
                for grow in (0, 3):
                    mask = render(path, ch, angle, grow)
                    if not mask.any():
                        continue
                    data += ch.encode("ascii") + normalise(mask).tobytes()
                    n += 1
    Path(out).write_bytes(bytes(data))
    print(f"{n} templates from {len(fonts)} fonts -> {out} ({len(data)} bytes)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--without-generator-fonts", action="store_true")
    ap.add_argument("--out", default="crates/parcours-capture/src/hand_templates.bin")
    ap.add_argument("--letters-out", default="crates/parcours-capture/src/hand_letters.bin")
    a = ap.parse_args()
    fonts = [p for p, gen in FONTS if os.path.exists(p) and not (gen and a.without_generator_fonts)]
    write(a.out, b"HDG1", CHARS, fonts)
    write(a.letters_out, b"HDL1", LETTERS, fonts)


if __name__ == "__main__":
    main()
