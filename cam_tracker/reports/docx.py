"""An editable Word copy of a document the HTML templates write (python-docx).

The copy is made from the rendered HTML, element by element, so that it has the
structure and the words of the HTML and PDF copies without a second template:
headings stay headings (h1 the title, h2 to h5 levels 1 to 4), a numbered
paragraph (`div.np`) keeps its number, lists, block quotations and tables stay
what they are. What Word cannot hold as text (the timeline chart) is left out.
The running header (`<title>`) and "Page N of M" go into the page's header and
footer as Word fields, so they follow the document when it is edited.
"""

import io
import re
from typing import Any

# The elements walked as blocks; anything else inside them is inline text.
_SKIPPED = {"style", "script", "figure", "svg", "hr", "head", "title", "meta"}
_HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 5}
_BLOCKS = {"p", "ul", "ol", "table", "blockquote", "div", "section", "header", "li", *_HEADINGS}
FAMILY = "Times New Roman"
NBSP = "\u00a0"


def html_to_docx(html: str, *, page_label: str, of_label: str) -> bytes:
    """The Word document of an HTML page the report templates wrote."""
    import lxml.html
    from docx import Document
    from docx.shared import Pt

    tree = lxml.html.document_fromstring(html)
    document = Document()
    styles = document.styles
    for name in ("Normal", "Title", *(f"Heading {n}" for n in range(1, 6)), "Quote"):
        font = styles[name].font
        font.name = FAMILY
        rpr = styles[name].element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:eastAsia", "w:cs", "w:hAnsi", "w:ascii"):
            fonts.set(_qn(attr), FAMILY)
    styles["Normal"].font.size = Pt(11)
    title = tree.findtext(".//title") or ""
    _header_footer(document, title, page_label, of_label)
    body = tree.find("body")
    writer = _Writer(document)
    if body is not None:
        writer.blocks(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _qn(name: str) -> str:
    from docx.oxml.ns import qn

    result: str = qn(name)
    return result


def _field(paragraph: Any, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in a paragraph: Word fills it in as it lays out."""
    from docx.oxml import OxmlElement

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(_qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(_qn("xml:space"), "preserve")
    text.text = code
    end = OxmlElement("w:fldChar")
    end.set(_qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(text)
    run._r.append(end)


def _header_footer(document: Any, title: str, page_label: str, of_label: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = " ".join(title.split())
    header.runs[0].font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{page_label} ")
    _field(footer, "PAGE")
    footer.add_run(f" {of_label} ")
    _field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


class _Writer:
    """Walks the HTML body and writes Word blocks; a numbered paragraph's number goes in
    front of the first block written inside it."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.number: str | None = None
        self.align: str | None = None

    def blocks(self, element: Any) -> None:
        for child in element:
            if not isinstance(child.tag, str) or child.tag in _SKIPPED:
                continue
            self.block(child)

    def block(self, element: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        tag = element.tag
        classes = _classes(element)
        if tag in _HEADINGS:
            level = _HEADINGS[tag]
            paragraph = self.document.add_heading("", level=min(level, 4))
            self._inline(paragraph, element)
        elif tag == "p":
            paragraph = self.document.add_paragraph()
            self._inline(paragraph, element)
        elif tag == "blockquote":
            paragraph = self.document.add_paragraph(style="Quote")
            self._inline(paragraph, element)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in element.findall("li"):
                paragraph = self.document.add_paragraph(style=style)
                self._inline(paragraph, item, inline_only=True)
                # Paragraphs inside an item go under it, in the item's indentation.
                for child in item:
                    if isinstance(child.tag, str) and child.tag == "p":
                        more = self.document.add_paragraph(style="List Continue")
                        self._inline(more, child)
            return
        elif tag == "table":
            self.table(element)
            return
        elif "np" in classes:
            number = element.find("span")
            self.number = (number.text or "").strip() if number is not None else None
            for child in element:
                if child is not number and isinstance(child.tag, str):
                    self.blocks(child) if child.tag == "div" else self.block(child)
            self.number = None
            return
        else:  # a container: its blocks, centred or right-aligned as the page shows them
            before = self.align
            if "title-block" in classes:
                self.align = "center"
            elif "right" in classes:
                self.align = "right"
            self.blocks(element)
            self.align = before
            return
        if self.align == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif self.align == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def _inline(self, paragraph: Any, element: Any, *, inline_only: bool = False) -> None:
        if self.number is not None:
            paragraph.add_run(f"{self.number}\t")
            self.number = None
        for text, bold, italic in _runs(element, inline_only=inline_only):
            run = paragraph.add_run(text)
            run.bold = bold or None
            run.italic = italic or None

    def table(self, element: Any) -> None:
        rows = [
            row
            for row in element.iter("tr")
            if isinstance(row.tag, str) and row.getparent().tag in ("thead", "tbody", "table")
        ]
        if not rows:
            return
        width = max(len(row.findall("td") + row.findall("th")) for row in rows)
        table = self.document.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for row in rows:
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            added = table.add_row().cells
            for index, cell in enumerate(cells[:width]):
                paragraph = added[index].paragraphs[0]
                for text, bold, italic in _runs(cell):
                    run = paragraph.add_run(text)
                    run.bold = (bold or cell.tag == "th") or None
                    run.italic = italic or None
        if rows[0].getparent().tag == "thead":
            _repeat_header(table.rows[0])


def _repeat_header(row: Any) -> None:
    """A table's first row repeated at the top of each page it runs onto."""
    from docx.oxml import OxmlElement

    properties = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(_qn("w:val"), "true")
    properties.append(repeat)


def _runs(element: Any, *, inline_only: bool = False) -> list[tuple[str, bool, bool]]:
    """An element's text as runs (text, bold, italic), white space collapsed as a browser
    does; a symbol (`span.symbol`) keeps its spaces unbroken; `<br>` is a space.
    `inline_only`: the paragraphs inside it are left out (a list item's, written apart)."""
    runs: list[tuple[str, bool, bool]] = []

    def walk(node: Any, bold: bool, italic: bool, symbol: bool) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIPPED:
            return
        if inline_only and node is not element and node.tag == "p":
            return
        tag = node.tag
        bold = bold or tag in ("b", "strong", "th")
        italic = italic or tag in ("i", "em")
        symbol = symbol or "symbol" in _classes(node)
        if tag == "br":
            add(" ", bold, italic, False)
        if node.text:
            add(node.text, bold, italic, symbol)
        for child in node:
            walk(child, bold, italic, symbol)
            if child.tail:
                add(child.tail, bold, italic, symbol)

    def add(text: str, bold: bool, italic: bool, symbol: bool) -> None:
        text = re.sub(r"\s+", " ", text)
        if symbol:
            text = text.replace(" ", NBSP)
        if runs and runs[-1][1:] == (bold, italic):
            runs[-1] = (runs[-1][0] + text, bold, italic)
        else:
            runs.append((text, bold, italic))

    walk(element, False, False, False)
    if runs:
        runs[0] = (runs[0][0].lstrip(), *runs[0][1:])
        runs[-1] = (runs[-1][0].rstrip(), *runs[-1][1:])
    return [run for run in runs if run[0]]
