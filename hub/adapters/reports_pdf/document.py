"""The PDF page and its drawing primitives: the embedded CJK font, measured text that wraps or shrinks
rather than being cut, the banner, sections, KPI tiles, bilingual tables that continue on a new page, and
bar charts."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

from hub.adapters.reports_pdf.cells import Column, Row, axis_text, clock_text, nice_ceiling
from hub.adapters.reports_text import (
    PERIODS,
)
from hub.services.views.reports import Report

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"))
FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_FAMILY = "Noto Sans CJK SC"

PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 12.0
WIDTH = PAGE_W - 2 * MARGIN

INK = (28, 33, 40)
DIM = (96, 106, 120)
FAINT = (150, 158, 170)
RULE = (208, 214, 222)
HEAD_BG = (31, 58, 95)
TABLE_HEAD = (232, 237, 243)
ZEBRA = (246, 248, 251)
MEDIAN = (98, 145, 214)
P90 = (31, 58, 95)
DISTRICT_MEDIAN = (190, 198, 210)
DISTRICT_P90 = (120, 130, 145)
STATUS_COLOURS = {"passed": (46, 125, 50), "partial": (178, 106, 0), "missing": (198, 40, 40)}


SMALLEST_SHRINK = 0.55  # a single-line label shrinks to at most this share of its size, then wraps
# Where a line may break: after any CJK character (with its closing punctuation), at spaces, or inside a
# word only when the word alone is wider than the line.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"[{_CJK}][、，。；：）」]?|[^\s{_CJK}]+\s*|\s+")


class FontMissing(RuntimeError):
    """No CJK font to embed: install Debian's fonts-noto-cjk (./dev does)."""


@functools.lru_cache(maxsize=1)
def font_file() -> tuple[Path, int]:
    """(the font, index of the Simplified Chinese face in the collection)."""
    override = os.environ.get("SENTINEL_REPORT_FONT")
    candidates = [Path(override)] if override else [d / FONT_FILE for d in FONT_DIRS]
    regular = next((p for p in candidates if p.is_file()), None)
    if regular is None:
        raise FontMissing(f"no CJK font found (looked for {', '.join(map(str, candidates))}); install fonts-noto-cjk")
    index = 0
    if regular.suffix.lower() in (".ttc", ".otc"):
        from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]  # fontTools ships no type hints

        collection = TTCollection(str(regular), lazy=True)
        names = [font["name"].getDebugName(4) for font in collection.fonts]
        index = names.index(FONT_FAMILY) if FONT_FAMILY in names else 0
        collection.close()
    return regular, index


class Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        # One face, bold drawn as filled and stroked outlines: a second CJK face to parse and subset doubled
        # the font work, which is most of the render time.
        regular, index = font_file()
        self.add_font(FONT_FAMILY, "", str(regular), collection_font_number=index)
        # The subset keeps the whole font's bounding box (a superset, valid) rather than measuring every
        # glyph's outline again: that was a third of the render time.
        embedded = self.fonts[FONT_FAMILY.lower()]
        if isinstance(embedded, TTFFont):
            embedded.ttfont.recalcBBoxes = False
        self.set_title(f"{report.district.name} {report.period.label}")
        self.set_creator("Sentinel hub")
        self.set_lang("zh-CN")

    # ---- text ------------------------------------------------------------------------------------

    def font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT_FAMILY, "", size)
        self.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
        if bold:  # the outline's stroke makes the bold: thicker for bigger text
            self.set_line_width(size * 0.012)
        self.set_text_color(*colour)
        self.set_draw_color(*colour)

    def width_of(self, text: str) -> float:
        """Width in mm of `text` in the current font (what get_string_width returns, without its text analysis)."""
        font = self.current_font
        if not isinstance(font, TTFFont):
            return self.get_string_width(text)
        widths = font.cw
        return sum(widths[ord(ch)] for ch in text) * self.font_size / 1000

    def wrap(self, text: str, width: float) -> list[str]:
        """The text as lines no wider than `width` mm in the current font; "\\n" starts a new line."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for token in _TOKENS.findall(paragraph):
                size = self.width_of(token)
                if line and used + self.width_of(token.rstrip()) > width:
                    lines.append(line.rstrip())
                    token = token.lstrip()
                    line, used = "", 0.0
                    size = self.width_of(token)
                line, used = line + token, used + size
                while used > width and len(line) > 1:  # one word wider than the line: break inside it
                    cut = len(line) - 1
                    while cut > 1 and self.width_of(line[:cut]) > width:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
                    used = self.width_of(line)
            lines.append(line.rstrip())
        return lines

    def line_height(self) -> float:
        return self.font_size * 1.25

    def put(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        """One line of text in a box: shrunk to fit rather than cut; wrapped below if even that is too wide."""
        room = w - 1.6
        needed = self.width_of(text)
        if needed <= room:
            self.set_xy(x, y)
            self.cell(w, h, text, align=align)
            return
        size = self.font_size_pt
        if needed * SMALLEST_SHRINK <= room:
            self.set_font_size(size * room / needed * 0.99)
            self.set_xy(x, y + (h - h * self.font_size_pt / size) / 2)
            self.cell(w, h * self.font_size_pt / size, text, align=align)
        else:
            self.set_font_size(size * SMALLEST_SHRINK)
            self.lines(x, y, w, self.wrap(text, room), align)
        self.set_font_size(size)

    def lines(self, x: float, y: float, w: float, lines: Sequence[str], align: str = "L") -> float:
        """Lines one under another from `y`; returns the y below the last."""
        step = self.line_height()
        for n, line in enumerate(lines):
            self.set_xy(x, y + n * step)
            self.cell(w, step, line, align=align)
        return y + len(lines) * step

    def paragraph(self, x: float, y: float, w: float, text: str, align: str = "L") -> float:
        """Text wrapped to `w` mm; returns the y below it."""
        return self.lines(x, y, w, self.wrap(text, w - 1.6), align)

    # ---- page furniture --------------------------------------------------------------------------

    def footer(self) -> None:
        period = self.report.period
        self.font(7, colour=FAINT)
        self.put(MARGIN, PAGE_H - 8, WIDTH / 2, 4, f"Sentinel · {self.report.district.name} · {period.label}")
        self.put(MARGIN + WIDTH / 2, PAGE_H - 8, WIDTH / 2, 4, f"第 {self.page_no()} 页 Page {self.page_no()}", "R")

    def banner(self, zh: str, en: str, detail: str) -> float:
        period = self.report.period
        kind = PERIODS.get(period.kind, (period.kind, period.kind))
        self.set_fill_color(*HEAD_BG)
        self.rect(0, 0, PAGE_W, 24, style="F")
        self.font(16, bold=True, colour=(255, 255, 255))
        self.put(MARGIN, 5, WIDTH * 0.62, 8, zh)
        self.font(10, colour=(205, 218, 235))
        self.put(MARGIN, 13.5, WIDTH * 0.62, 5, en)
        self.font(11, bold=True, colour=(255, 255, 255))
        self.put(MARGIN + WIDTH * 0.6, 5, WIDTH * 0.4, 7, f"{kind[0]} {kind[1]} · {period.label}", "R")
        self.font(8, colour=(205, 218, 235))
        self.put(MARGIN + WIDTH * 0.45, 13.5, WIDTH * 0.55, 5, detail, "R")
        return 30.0

    def section(self, y: float, zh: str, en: str) -> float:
        self.font(11, bold=True)
        self.put(MARGIN, y, WIDTH, 6, f"{zh}  {en}")
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, y + 6.6, MARGIN + WIDTH, y + 6.6)
        return y + 8.5

    def summary_line(self, y: float, text: str) -> float:
        """A section's one-line summary under its heading; returns the y below it."""
        self.font(8, colour=DIM)
        self.put(MARGIN, y - 1, WIDTH, 4.5, text)
        return y + 5

    def tiles(self, y: float, items: Sequence[tuple[str, str, str]]) -> float:
        """KPI tiles: (Chinese label, English label, value)."""
        gap = 3.0
        width = (WIDTH - gap * (len(items) - 1)) / len(items)
        for n, (zh, en, value) in enumerate(items):
            x = MARGIN + n * (width + gap)
            self.set_fill_color(*ZEBRA)
            self.set_draw_color(*RULE)
            self.set_line_width(0.25)
            self.rect(x, y, width, 17, style="DF")
            self.font(7.5, colour=DIM)
            self.put(x + 2.5, y + 1.8, width - 4, 4, zh)
            self.font(6.5, colour=FAINT)
            self.put(x + 2.5, y + 5.4, width - 4, 3.5, en)
            self.font(13, bold=True)
            self.put(x + 2.5, y + 9.3, width - 4, 6.5, value)
        return y + 21

    def bilingual_table(
        self, y: float, columns: Sequence[Column], rows: Sequence[Any], title: Callable[[], float]
    ) -> float:
        """A table with a two-line (中文 / English) header; continues on a new page when full. A row is a model, or
        a `Row` of one that says how to draw it."""
        row_h = 6.2

        def header(y: float) -> float:
            self.set_fill_color(*TABLE_HEAD)
            self.rect(MARGIN, y, sum(c.width for c in columns), 9.5, style="F")
            x = MARGIN
            for c in columns:
                self.font(7.3, bold=True)
                self.put(x + 0.8, y + 0.9, c.width - 1.6, 4, c.zh, c.align)
                self.font(6.2, colour=DIM)
                self.put(x + 0.8, y + 4.8, c.width - 1.6, 3.6, c.en, c.align)
                x += c.width
            return y + 9.5

        y = header(y)
        for n, given in enumerate(rows):
            row = given if isinstance(given, Row) else Row(given)
            self.font(7.6, bold=row.bold)
            cells = [self.wrap(c.value(row.item), c.width - 2.4) for c in columns]
            height = max(row_h, max(len(lines) for lines in cells) * self.line_height() + 1.6)
            if y + height > PAGE_H - 14:
                self.add_page()
                y = header(title())
            if n % 2:
                self.set_fill_color(*ZEBRA)
                self.rect(MARGIN, y, sum(c.width for c in columns), height, style="F")
            x = MARGIN
            for c, lines in zip(columns, cells, strict=True):
                status = row.status if row.status_column == c.zh else None
                self.font(7.6, bold=row.bold, colour=STATUS_COLOURS.get(status, INK) if status else INK)
                top = y + 0.8 if len(lines) > 1 else y + (height - self.line_height()) / 2
                self.lines(x + 0.8, top, c.width - 1.6, lines, c.align)
                x += c.width
            y += height
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, y, MARGIN + sum(c.width for c in columns), y)
        return y + 3

    def bars(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        title: tuple[str, str],
        groups: Sequence[tuple[str, Sequence[float | None]]],
        colours: Sequence[tuple[int, int, int]],
        caption: str = "",
    ) -> None:
        """A bar chart of seconds: one cluster per group, one bar per series, a labelled axis."""
        self.font(8.5, bold=True)
        self.put(x, y, w, 4.5, f"{title[0]} {title[1]}")
        if caption:
            self.font(6.8, colour=DIM)
            self.put(x, y + 4.5, w, 3.5, caption)
        top, bottom, left = y + 10, y + h - 7, x + 13
        right = x + w - 2
        values = [v for _, series in groups for v in series if v is not None]
        peak = nice_ceiling(max(values) if values else 60.0)
        self.set_line_width(0.15)
        for tick in range(5):
            ty = bottom - (bottom - top) * tick / 4
            self.set_draw_color(*(RULE if tick else DIM))
            self.line(left, ty, right, ty)
            self.font(6, colour=DIM)
            self.put(x, ty - 1.8, 12.5, 3.6, axis_text(peak * tick / 4), "R")
        if not groups:
            return
        slot = (right - left) / len(groups)
        bar_w = min(7.0, slot * 0.7 / max(1, len(colours)))
        for n, (label, series) in enumerate(groups):
            cluster = bar_w * len(series)
            bx = left + n * slot + (slot - cluster) / 2
            for value, colour in zip(series, colours, strict=False):
                if value is not None:
                    bh = (bottom - top) * min(value, peak) / peak
                    self.set_fill_color(*colour)
                    self.rect(bx, bottom - bh, bar_w * 0.92, bh, style="F")
                    if bar_w >= 4.5:
                        self.font(5.4, colour=DIM)
                        self.put(bx - 3, bottom - bh - 3.2, bar_w + 6, 3, clock_text(value), "C")
                bx += bar_w
            self.font(6.6, colour=INK)
            self.put(left + n * slot, bottom + 1, slot, 3.5, label, "C")

    def legend(self, x: float, y: float, items: Sequence[tuple[str, tuple[int, int, int]]]) -> None:
        for label, colour in items:
            self.set_fill_color(*colour)
            self.rect(x, y + 0.9, 3, 2.6, style="F")
            self.font(6.8, colour=DIM)
            width = self.get_string_width(label) + 2
            self.put(x + 3.8, y, width + 2, 4.4, label)
            x += width + 9
