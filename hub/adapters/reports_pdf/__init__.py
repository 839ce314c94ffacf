"""A report as a printable PDF (A4 landscape): the district's summary, then one page per grid, then
button drills and device availability, then patrol log coverage per shift, then video verification,
response step compliance and talk-down deterrence. Headings are bilingual
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

from hub.adapters.reports_pdf.cells import clock_text
from hub.adapters.reports_pdf.document import MARGIN, PAGE_H, PAGE_W, FontMissing
from hub.adapters.reports_pdf.pages import render_pdf

__all__ = ["MARGIN", "PAGE_H", "PAGE_W", "FontMissing", "clock_text", "render_pdf"]
