"""A report as a printable PDF (A4 landscape): the district's summary, then one page per grid, then
button drills and device availability, then patrol log coverage per shift. Headings are bilingual
(中文 / English); tables and bar charts are drawn in the PDF; Noto Sans CJK (Debian's fonts-noto-cjk)
is embedded as a subset.

fpdf2 rather than reportlab: Noto Sans CJK has PostScript (CFF) outlines, which reportlab cannot
embed; fpdf2 embeds them (CIDFontType0C) straight from the .ttc collection.

Nothing is cut: a cell whose text is wider than its column wraps onto more lines (the row grows), a
single-line label shrinks its font until it fits. Text is measured from the font's advance widths directly:
fpdf2's get_string_width analyses the text for bidi and shaping on every call, which made measuring most of
the render time for a month of a 50-site district.

Rendering is CPU work of under a second: callers on the event loop run it in a thread.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

from hub.adapters.reports_text import (
    DEVICE_KINDS,
    DISPOSITIONS,
    DRILL_STATUS,
    HALVES,
    OUTCOMES,
    PERIODS,
    STEPS,
    TEST_NOTE,
    definitions,
    kind_counts,
    kind_words,
    patrol_note,
    percent_text,
    seconds_text,
)

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


CLOCK_NOTE = ("时长格式：秒 s，分:秒，时:分:秒。", "Durations: s, min:s, h:min:s.")
DEFINITIONS_NOTE = ("各项数据的定义见第 2 页。", "What each figure counts: page 2.")
SMALLEST_SHRINK = 0.55  # a single-line label shrinks to at most this share of its size, then wraps
# Where a line may break: after any CJK character (with its closing punctuation), at spaces, or inside a
# word only when the word alone is wider than the line.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"[{_CJK}][、，。；：）」]?|[^\s{_CJK}]+\s*|\s+")


class FontMissing(RuntimeError):
    """No CJK font to embed: install Debian's fonts-noto-cjk (./dev does)."""


@functools.lru_cache(maxsize=1)
def _font_file() -> tuple[Path, int]:
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


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    width: float
    align: str = "R"  # L, C, R
    value: Callable[[dict[str, Any]], str] = lambda row: ""


class _Document(FPDF):
    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        # One face, bold drawn as filled and stroked outlines: a second CJK face to parse and subset doubled
        # the font work, which is most of the render time.
        regular, index = _font_file()
        self.add_font(FONT_FAMILY, "", str(regular), collection_font_number=index)
        # The subset keeps the whole font's bounding box (a superset, valid) rather than measuring every
        # glyph's outline again: that was a third of the render time.
        embedded = self.fonts[FONT_FAMILY.lower()]
        if isinstance(embedded, TTFFont):
            embedded.ttfont.recalcBBoxes = False
        self.set_title(f"{report['district']['name']} {report['period']['label']}")
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
        period = self.report["period"]
        self.font(7, colour=FAINT)
        self.put(MARGIN, PAGE_H - 8, WIDTH / 2, 4, f"Sentinel · {self.report['district']['name']} · {period['label']}")
        self.put(MARGIN + WIDTH / 2, PAGE_H - 8, WIDTH / 2, 4, f"第 {self.page_no()} 页 Page {self.page_no()}", "R")

    def banner(self, zh: str, en: str, detail: str) -> float:
        period = self.report["period"]
        kind = PERIODS.get(period["kind"], (period["kind"], period["kind"]))
        self.set_fill_color(*HEAD_BG)
        self.rect(0, 0, PAGE_W, 24, style="F")
        self.font(16, bold=True, colour=(255, 255, 255))
        self.put(MARGIN, 5, WIDTH * 0.62, 8, zh)
        self.font(10, colour=(205, 218, 235))
        self.put(MARGIN, 13.5, WIDTH * 0.62, 5, en)
        self.font(11, bold=True, colour=(255, 255, 255))
        self.put(MARGIN + WIDTH * 0.6, 5, WIDTH * 0.4, 7, f"{kind[0]} {kind[1]} · {period['label']}", "R")
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
        self, y: float, columns: Sequence[Column], rows: Sequence[dict[str, Any]], title: Callable[[], float]
    ) -> float:
        """A table with a two-line (中文 / English) header; continues on a new page when full."""
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
        for n, row in enumerate(rows):
            self.font(7.6, bold=bool(row.get("_bold")))
            cells = [self.wrap(c.value(row), c.width - 2.4) for c in columns]
            height = max(row_h, max(len(lines) for lines in cells) * self.line_height() + 1.6)
            if y + height > PAGE_H - 14:
                self.add_page()
                y = header(title())
            if n % 2:
                self.set_fill_color(*ZEBRA)
                self.rect(MARGIN, y, sum(c.width for c in columns), height, style="F")
            x = MARGIN
            for c, lines in zip(columns, cells, strict=True):
                status = row.get("_status_column") == c.zh and row.get("_status")
                self.font(7.6, bold=bool(row.get("_bold")), colour=STATUS_COLOURS.get(status, INK) if status else INK)
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
        peak = _nice_ceiling(max(values) if values else 60.0)
        self.set_line_width(0.15)
        for tick in range(5):
            ty = bottom - (bottom - top) * tick / 4
            self.set_draw_color(*(RULE if tick else DIM))
            self.line(left, ty, right, ty)
            self.font(6, colour=DIM)
            self.put(x, ty - 1.8, 12.5, 3.6, _axis_text(peak * tick / 4), "R")
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


def clock_text(value: float | None) -> str:
    """Compact durations for tables and bars: 47 s, 2:17 (min:s), 1:02:05 (h:min:s)."""
    if value is None:
        return "–"
    total = round(value)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60}:{total % 60:02d}"
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _outcome_count(code: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: str(row["by_outcome"][code])


def _axis_text(value: float) -> str:
    if value < 120:
        return f"{value:g} s"
    if value < 7200:
        return f"{value / 60:g} min"
    return f"{value / 3600:g} h"


def _nice_ceiling(value: float) -> float:
    for step in (20, 40, 60, 120, 240, 480, 600, 1200, 1800, 2400, 3600, 7200, 14400, 28800, 43200, 86400):
        if value <= step:
            return float(step)
    return float(int(value / 86400 + 1) * 86400)


def _pair(step: dict[str, Any]) -> str:
    if not step["n"]:
        return "–"
    return f"{clock_text(step['median_s'])} / {clock_text(step['p90_s'])}"


def _target_caption(step: dict[str, Any]) -> str:
    """Both counts a chart rests on: within target of due, and how many were timed (the bars' n)."""
    return (
        f"达标 within target {step['within']}/{step['due']} ({percent_text(step['share_within'])}) · "
        f"计时 timed n={step['n']}"
    )


def _within(row: dict[str, Any]) -> str:
    return " · ".join(percent_text(row[s]["share_within"]) for s in STEPS)


def _names(row: dict[str, Any], key: str = "name") -> str:
    """A name as the district file gives it, with its English name on a second line when it has one."""
    name, english = str(row.get(key) or "—"), row.get(f"{key}_en")
    return f"{name}\n{english}" if english and english != name else name


def _label(device: dict[str, Any]) -> str:
    """A device's label (and its English label), or its id when it has none."""
    return _names(device, "label") if device.get("label") else str(device.get("device_id") or device.get("camera_id"))


def _counts(table: dict[str, tuple[str, str]], counts: dict[str, int]) -> str:
    if not counts:
        return "–"
    return "  ".join(f"{table[k][0] if k in table else k} {v}" for k, v in counts.items())


def _metric_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("事件", "Incidents", 15, value=lambda r: str(r["incidents"])),
        Column("确认 中位/90%", "Ack p50 / p90", 29, value=lambda r: _pair(r["ack"])),
        Column("接警 中位/90%", "Accept p50 / p90", 29, value=lambda r: _pair(r["accept"])),
        Column("到场 中位/90%", "Arrive p50 / p90", 32, value=lambda r: _pair(r["arrive"])),
        Column("达标率 确认·接警·到场", "Within target ack·acc·arr", 38, value=_within),
        Column("升级", "Escalated", 15, value=lambda r: str(r["escalated_incidents"])),
        Column("误报率", "False alarms", 19, value=lambda r: percent_text(r["false_alarm_rate"])),
        Column("喊话", "Warnings", 15, value=lambda r: str(r["warnings"])),
    ]


class _Renderer:
    def __init__(self, report: dict[str, Any]) -> None:
        self.r = report
        self.pdf = _Document(report)
        generated = datetime.fromisoformat(report["generated_at"])
        period = report["period"]
        self.detail = (
            f"{period['first_day']} – {period['last_day']} ({report['district']['timezone']}) · "
            f"生成 generated {generated:%Y-%m-%d %H:%M}"
        )
        self.drill_status = {s["site_id"]: s["status"] for s in report["drills"]["sites"]}

    def render(self) -> bytes:
        self.summary_page()
        self.definitions_page()
        for grid in self.r["grids"]:
            self.grid_page(grid)
        self.drills_and_availability()
        if self.r.get("patrol_coverage") is not None:
            self.patrol_coverage(self.r["patrol_coverage"])
        return bytes(self.pdf.output())

    def _tiles(self, y: float, row: dict[str, Any], extra: Sequence[tuple[str, str, str]]) -> float:
        return self.pdf.tiles(
            y,
            [
                ("事件", "Incidents", str(row["incidents"])),
                ("确认达标率", "Acknowledged in target", percent_text(row["ack"]["share_within"])),
                ("接警达标率", "Accepted in target", percent_text(row["accept"]["share_within"])),
                ("到场达标率", "On scene in target", percent_text(row["arrive"]["share_within"])),
                ("到场用时中位数", "Median time to arrive", seconds_text(row["arrive"]["median_s"])),
                ("误报率", "False-alarm rate", percent_text(row["false_alarm_rate"])),
                *extra,
            ],
        )

    def _notes(self, y: float) -> None:
        """Page 1's footnote: what is left out, how durations read, where the definitions are."""
        pdf = self.pdf
        pdf.font(6.8, colour=DIM)
        text = "\n".join(f"{zh}  {en}" for zh, en in (TEST_NOTE, CLOCK_NOTE, DEFINITIONS_NOTE))
        pdf.paragraph(MARGIN, y - 3.6, WIDTH, text)

    def definitions_page(self) -> None:
        """What every figure counts, in both languages (the same words as the page and the CSV)."""
        pdf = self.pdf
        pdf.add_page()
        y = pdf.banner("指标定义", "What each figure counts", self.detail)
        for zh, en in definitions(self.r):
            pdf.font(8.4)
            y = pdf.paragraph(MARGIN, y, WIDTH, zh)
            pdf.font(7.6, colour=DIM)
            y = pdf.paragraph(MARGIN, y, WIDTH, en) + 2.4

    def summary_page(self) -> None:
        pdf, r = self.pdf, self.r
        pdf.add_page()
        y = pdf.banner(f"{r['district']['name']} 接处警月度考评", "Response, drills and equipment report", self.detail)
        totals = r["totals"]
        drills = r["drills"]["summary"]
        uptime = r["availability"]["summary"]["uptime_share"]
        y = self._tiles(
            y,
            totals,
            [
                ("演练通过单位", "Sites drilled", f"{drills['passed']}/{drills['sites']}"),
                ("设备在线率", "Device uptime", percent_text(uptime, 1)),
            ],
        )
        y = pdf.section(y, "各网格对比", "Grids compared")
        rows = [dict(g, name=g["name"] or "（配置外）") for g in r["grids"]]
        rows.append(dict(totals, name="全辖区 District", _bold=True))
        columns = _metric_columns(Column("网格", "Grid", 70, "L", _names))
        y = pdf.bilingual_table(y, columns, rows, lambda: pdf.banner("各网格对比", "Grids compared", self.detail))
        chart_y = y + 5
        chart_h = min(75.0, PAGE_H - 40 - chart_y)
        if chart_h < 40:
            return self._notes(PAGE_H - 22)
        for n, step in enumerate(STEPS):
            series = [(g["name"] or "—", [g[step]["median_s"], g[step]["p90_s"]]) for g in r["grids"]]
            pdf.bars(
                MARGIN + n * (WIDTH / 3),
                chart_y,
                WIDTH / 3 - 6,
                chart_h,
                (f"{STEPS[step][0]}用时", f"Time to {STEPS[step][1].lower()}"),
                series,
                [MEDIAN, P90],
                f"全辖区 district: {_target_caption(totals[step])}",
            )
        pdf.legend(MARGIN, chart_y + chart_h + 1, [("中位数 Median", MEDIAN), ("90分位 90th percentile", P90)])
        self._notes(PAGE_H - 22)

    def grid_page(self, grid: dict[str, Any]) -> None:
        pdf, r = self.pdf, self.r
        pdf.add_page()
        name = grid["name"] or "（不在辖区配置中）"
        officer = f" · 责任民警 {grid['officer_name']}" if grid.get("officer_name") else ""
        english = f"Grid {grid.get('name_en') or grid['id'] or '—'}" + (
            f" · officer {grid.get('officer_name_en') or grid['officer_name']}" if grid.get("officer_name") else ""
        )

        def title() -> float:
            return pdf.banner(f"网格 {name}{officer}", f"{english} (continued 续)", self.detail)

        y = pdf.banner(f"网格 {name}{officer}", english, self.detail)
        y = self._tiles(
            y,
            grid,
            [("升级事件", "Escalated", str(grid["escalated_incidents"])), ("喊话", "Warnings", str(grid["warnings"]))],
        )
        pdf.font(7.6, colour=DIM)
        kinds = "  ".join(f"{kind_words(k)[0]} {n}" for k, n in kind_counts(grid["by_kind"]).items()) or "–"
        y = pdf.paragraph(MARGIN, y - 2, WIDTH, f"类型 Kinds:  {kinds}")
        y = pdf.paragraph(MARGIN, y, WIDTH, f"处置 Dispositions:  {_counts(DISPOSITIONS, grid['by_disposition'])}")
        y += 1.5
        chart_w = WIDTH / 3
        for n, step in enumerate(STEPS):
            pdf.bars(
                MARGIN + n * chart_w,
                y,
                chart_w - 6,
                44,
                (f"{STEPS[step][0]}用时", f"Time to {STEPS[step][1].lower()}"),
                [
                    ("本网格 Grid", [grid[step]["median_s"], grid[step]["p90_s"]]),
                    ("全辖区 District", [r["totals"][step]["median_s"], r["totals"][step]["p90_s"]]),
                ],
                [MEDIAN, P90],
                _target_caption(grid[step]),
            )
        pdf.legend(MARGIN, y + 44, [("中位数 Median", MEDIAN), ("90分位 90th percentile", P90)])
        y = pdf.section(y + 50, "单位", "Sites")
        sites = [dict(s, _status=self.drill_status.get(s["id"]), _status_column="演练") for s in r["sites"]]
        sites = [s for s in sites if s["grid_id"] == grid["id"]]
        columns = _metric_columns(Column("单位", "Site", 55, "L", _names))
        columns.append(Column("演练", "Drill", 19, "C", lambda row: DRILL_STATUS.get(row["_status"], ("—", "—"))[0]))
        y = pdf.bilingual_table(y, columns, sites, title)
        officers = [o for o in r["officers"] if o["id"] is not None and o["grid_id"] == grid["id"]]
        if officers:
            if y + 9 + 9.5 + 6.2 * len(officers) > PAGE_H - 14:
                pdf.add_page()
                y = title()
            y = pdf.section(y + 1, "民警", "Officers (incidents they accepted)")
            columns = _metric_columns(Column("民警", "Officer", 30, "L", _names))
            columns[1:1] = [
                Column("派警", "Offered", 14, value=lambda row: str(row["dispatches"]["offered"])),
                Column("拒绝", "Declined", 14, value=lambda row: str(row["dispatches"]["declined"])),
                Column("超时", "Timed out", 14, value=lambda row: str(row["dispatches"]["timed_out"])),
            ]
            pdf.bilingual_table(y, columns, officers, title)

    def drills_and_availability(self) -> None:
        pdf, r = self.pdf, self.r
        pdf.add_page()

        def title() -> float:
            return pdf.banner(
                "一键报警演练与设备可用性", "Button drills and device availability (continued 续)", self.detail
            )

        y = pdf.banner("一键报警演练与设备可用性", "Button drills and device availability", self.detail)
        drills = r["drills"]
        y = pdf.section(y, "一键报警演练", "Button drills: a test press received = passed")
        s = drills["summary"]
        pdf.font(8, colour=DIM)
        pdf.put(
            MARGIN,
            y - 1,
            WIDTH,
            4.5,
            f"单位 sites {s['sites']} · 通过 passed {s['passed']} · 部分 partial {s['partial']} · "
            f"未测试 missing {s['missing']}",
        )
        y += 5
        grid_names = {g["id"]: _names(g) for g in r["grids"]}
        order = {"missing": 0, "partial": 1, "passed": 2}
        rows = [
            dict(site, _status=site["status"], _status_column="结果")
            for site in sorted(drills["sites"], key=lambda x: (order[x["status"]], x["grid_id"], x["site_id"]))
        ]
        columns = [
            Column("单位", "Site", 80, "L", _names),
            Column("网格", "Grid", 40, "L", lambda row: str(grid_names.get(row["grid_id"], row["grid_id"]))),
            Column("结果", "Result", 32, "L", lambda row: " ".join(DRILL_STATUS[row["status"]])),
            Column(
                "按钮 通过/总数", "Buttons passed", 32, value=lambda row: f"{row['buttons_passed']}/{row['buttons']}"
            ),
            Column("最近测试", "Last test", 45, "L", lambda row: _local(row["last_test_at"])),
        ]
        y = pdf.bilingual_table(y, columns, rows, title)
        availability = r["availability"]
        if y + 40 > PAGE_H - 14:
            pdf.add_page()
            y = title()
        y = pdf.section(y + 2, "设备可用性", "Device availability (from supervision offline/online)")
        summary = availability["summary"]
        kinds = "  ·  ".join(
            f"{DEVICE_KINDS.get(k, (k, k))[0]} {v['devices']} 台, 在线率 {percent_text(v['uptime_share'], 2)}"
            for k, v in summary["by_kind"].items()
        )
        pdf.font(8, colour=DIM)
        pdf.put(
            MARGIN,
            y - 1,
            WIDTH,
            4.5,
            f"设备 devices {summary['devices']} · 有离线 with outages {summary['with_outages']} · {kinds}",
        )
        y += 5
        devices = sorted(
            (d for d in availability["devices"] if d["outages"]),
            key=lambda d: (d["uptime_share"] if d["uptime_share"] is not None else 1, d["device_id"]),
        )
        site_names = {site["id"]: _names(site) for site in r["sites"]}
        columns = [
            Column("设备", "Device", 52, "L", _label),
            Column("类型", "Kind", 24, "L", lambda row: DEVICE_KINDS.get(row["kind"], (row["kind"],))[0]),
            Column("单位", "Site", 62, "L", lambda row: str(site_names.get(row["site_id"], row["site_id"]))),
            Column("在线率", "Uptime", 22, value=lambda row: percent_text(row["uptime_share"], 2)),
            Column("离线次数", "Outages", 20, value=lambda row: str(row["outages"])),
            Column("离线时长", "Downtime", 28, value=lambda row: seconds_text(row["downtime_s"])),
            Column("最长离线", "Longest outage", 28, value=lambda row: seconds_text(row["longest_outage_s"])),
            Column("期末状态", "At period end", 23, "C", lambda row: "离线" if row["offline_at_end"] else "在线"),
        ]
        if devices:
            pdf.bilingual_table(y, columns, devices, title)
        else:
            pdf.font(8.5)
            pdf.put(MARGIN, y, WIDTH, 5, "本时段无设备离线。 No device was offline in this period.")

    def patrol_coverage(self, coverage: dict[str, Any]) -> None:
        """Cameras checked per shift: the figures, then every shift of the period with who patrolled."""
        pdf = self.pdf
        pdf.add_page()

        def title() -> float:
            return pdf.banner("视频巡查覆盖率", "Patrol log coverage per shift (continued 续)", self.detail)

        y = pdf.banner("视频巡查覆盖率", "Patrol log coverage per shift", self.detail)
        summary = coverage["summary"]
        y = pdf.tiles(
            y,
            [
                ("有巡查的班次", "Shifts patrolled", f"{summary['shifts_patrolled']}/{summary['shifts']}"),
                ("全部查看的班次", "Shifts fully covered", f"{summary['shifts_fully_covered']}/{summary['shifts']}"),
                ("平均覆盖率", "Mean coverage", percent_text(summary["mean_coverage"])),
                ("应巡查摄像机", "Cameras to patrol", str(summary["cameras_expected"])),
                ("巡查记录", "Views logged", str(summary["views"])),
                *(
                    (zh, en, str(summary["by_outcome"][code]))
                    for code, (zh, en) in OUTCOMES.items()
                    if code != "checked"
                ),
            ],
        )
        pdf.font(7.2, colour=DIM)
        zh, en = patrol_note(self.r)
        pdf.put(MARGIN, y - 3, WIDTH, 4, zh)
        pdf.put(MARGIN, y + 0.6, WIDTH, 4, en)
        y += 6
        names = {c["camera_id"]: _label(c).replace("\n", " ") for c in coverage["cameras"]}
        rows = [dict(shift, _status=_coverage_status(shift), _status_column="覆盖率") for shift in coverage["shifts"]]
        columns = [
            Column("班次", "Shift", 32, "L", lambda row: f"{row['day']} {HALVES[row['half']][0]}"),
            Column("时段", "Hours", 22, "L", lambda row: f"{row['from'][11:16]}–{row['to'][11:16]}"),
            Column(
                "已查看", "Cameras checked", 24, value=lambda row: f"{row['cameras_checked']}/{row['cameras_expected']}"
            ),
            Column("覆盖率", "Coverage", 18, value=lambda row: percent_text(row["coverage"])),
            Column("记录", "Views", 14, value=lambda row: str(row["views"])),
            Column("轮次", "Rounds", 14, value=lambda row: str(row["runs"])),
            *(Column(zh, en, 17, value=_outcome_count(code)) for code, (zh, en) in OUTCOMES.items()),
            Column("未查看", "Not checked", 60, "L", lambda row: _not_checked(row, names)),
            Column(
                "巡查人员", "Patrolled by", 21, "L", lambda row: " ".join(a.split(":", 1)[-1] for a in row["staff"])
            ),
        ]
        if rows:
            pdf.bilingual_table(y, columns, rows, title)
        else:
            pdf.font(8.5)
            pdf.put(MARGIN, y, WIDTH, 5, "本时段尚无班次。 No shift has started in this period.")


def _not_checked(shift: dict[str, Any], names: dict[str, str]) -> str:
    """The cameras a shift did not check, or "none checked" when that is all of them (the CSV lists them)."""
    missed = shift["cameras_not_checked"]
    if missed and len(missed) >= shift["cameras_expected"]:
        return f"全部 {len(missed)} 个 all {len(missed)}"
    return "、".join(names.get(c, c) for c in missed) or "—"


def _coverage_status(shift: dict[str, Any]) -> str:
    if shift["cameras_expected"] and shift["cameras_checked"] >= shift["cameras_expected"]:
        return "passed"
    return "partial" if shift["views"] else "missing"


def _local(value: str | None) -> str:
    """A time of the report (already in the district's time zone) to the minute."""
    return "—" if not value else value[:16].replace("T", " ")


def render_pdf(report: dict[str, Any]) -> bytes:
    """The report as PDF bytes. Raises FontMissing without a CJK font to embed."""
    return _Renderer(report).render()
