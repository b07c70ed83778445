"""The Notices view: imported OCDS notices with search, filters and the compiled details."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.changes import CatalogueChanged, Change
from catalogue_app.services.notices import KINDS, NoticeDetail, NoticeRow, NoticeService
from catalogue_app.ui.context import UiContext
from catalogue_app.ui.products_model import Column
from catalogue_app.ui.settings import Settings
from catalogue_app.ui.views import ListView

BUYER_FILTERS = (
    ("All buyers", None),
    ("Police forces and collaborations", "police"),
    ("Other public bodies", "other"),
)
KIND_LABELS = {
    "planning": "Planning",
    "tender": "Tender",
    "award": "Award",
    "contract": "Contract",
    "framework": "Framework",
    "call-off": "Call-off",
}


CREATED_LABELS = {
    "framework": "Framework",
    "lot": "Lot",
    "supplier": "Supplier",
    "product": "Product",
    "offer": "Framework offer",
    "purchase": "Purchase",
}
# what a link in the details opens: the record in its own view
LINKED = ("framework", "supplier", "product", "purchase")


def money_text(value: Decimal | None, currency: str | None) -> str:
    """£1,234.50 for pounds; other money with its currency code, never as pounds."""
    if value is None:
        return "Not given"
    if currency == "GBP":
        return format_gbp(value)
    if not currency:
        return f"{value:,.2f} (no currency)"
    return f"{currency} {value:,.2f}"


def day_text(value: date | datetime | None) -> str:
    if value is None:
        return "No date"
    return (value.date() if isinstance(value, datetime) else value).strftime("%-d %b %Y")


class Amount(Decimal):
    """A notice's value with its own currency: sorts by amount, shows with its currency, and
    lines up on the right like every figure (so it is never cut short in a narrow window)."""

    currency: str  # "" when the notice gives none

    def __new__(cls, amount: Decimal, currency: str) -> Amount:
        made = super().__new__(cls, amount)
        made.currency = currency
        return made


@dataclass(frozen=True)
class NoticeLine:
    """One row of the Notices view."""

    ocid: str
    kind: str
    buyer: str  # the matched force or collaboration, else the body as published
    published: str  # the buyer's name as published
    matched: str
    title: str
    value: Amount | None
    date: date | None
    source: str
    warnings: int
    row: NoticeRow

    @classmethod
    def of(cls, row: NoticeRow, names: dict[str, str]) -> NoticeLine:
        published = row.buyer_name or "Not given"
        return cls(
            ocid=row.ocid,
            kind=KIND_LABELS.get(row.kind, row.kind),
            buyer=names.get(row.buyer or "", published),
            published=published,
            matched=names.get(row.buyer or "", "Other public body"),
            title=row.title or "Untitled",
            value=None if row.value is None else Amount(row.value, row.currency or ""),
            date=row.date,
            source=row.publisher or "Not given",
            warnings=len(row.warnings),
            row=row,
        )


def notice_matches(line: NoticeLine, words: list[str], kind: str | None, buyer: str | None) -> bool:
    if kind is not None and line.row.kind != kind:
        return False
    if buyer == "police" and line.row.buyer is None:
        return False
    if buyer == "other" and line.row.buyer is not None:
        return False
    haystack = f"{line.ocid} {line.title} {line.published} {line.matched} {line.source}".lower()
    return all(word in haystack for word in words)


def _link(kind: str, key: str, text: str) -> str:
    return f'<a href="{kind}:{escape(key)}">{escape(text)}</a>'


def notice_html(detail: NoticeDetail, buyer_label: str) -> str:
    """The detail pane: the compiled notice's main fields, its links, releases and warnings."""
    row = detail.row
    start, end = detail.period
    facts = [
        ("Kind", escape(KIND_LABELS.get(row.kind, row.kind))),
        ("Buyer as published", escape(row.buyer_name or "Not given")),
        ("Matched buyer", escape(buyer_label)),
        ("Value", escape(money_text(row.value, row.currency))),
        ("CPV", escape(detail.cpv or "Not given")),
        ("First published", escape(day_text(detail.first_date))),
        ("Latest release", escape(day_text(row.date))),
        ("Publisher", escape(row.publisher or "Not given")),
    ]
    if start or end:
        facts.append(("Contract period", escape(f"{day_text(start)} to {day_text(end)}")))
    if detail.url:
        facts.append(
            ("Published notice", f'<a href="{escape(detail.url)}">{escape(detail.url)}</a>')
        )
    if detail.framework_ocid:
        title = detail.framework_title or "framework not imported"
        facts.append(
            (
                "Called off from",
                _link("notice", detail.framework_ocid, f"{title} ({detail.framework_ocid})"),
            )
        )
    parts = [
        f"<h2>{escape(row.title or 'Untitled')}</h2>",
        f"<p><small>{escape(row.ocid)}</small></p>",
        "<table cellspacing='0' cellpadding='2'>",
        *(f"<tr><td><b>{label}</b>&nbsp;</td><td>{value}</td></tr>" for label, value in facts),
        "</table>",
    ]
    if detail.description:
        parts.append(f"<p>{escape(detail.description)}</p>")
    if detail.call_offs:
        parts.append("<h3>Call-offs from this framework</h3><ul>")
        parts += [f"<li>{_link('notice', o, t or o)}</li>" for o, t in detail.call_offs]
        parts.append("</ul>")
    if detail.suppliers:
        parts.append("<h3>Suppliers</h3><ul>")
        for s in detail.suppliers:
            ident = f" ({escape(s.identifier)})" if s.identifier else ""
            if s.matched_by == "added":
                match = escape(f"added to the catalogue as {s.supplier_code}")
                if s.possible_duplicate:
                    match += escape(
                        f"; possibly the same as {s.possible_duplicate}, to review before merging"
                    )
            elif s.supplier_code:
                match = escape(
                    f"catalogue supplier {s.supplier_code}, matched by {s.matched_by or 'name'}"
                )
            elif s.possible_duplicate:
                match = escape(
                    f"possibly {s.possible_duplicate} in the catalogue; review before merging"
                )
            else:
                match = "not in the catalogue"
            parts.append(f"<li>{escape(s.name)}{ident}: {match}</li>")
        parts.append("</ul>")
    if detail.created:
        parts.append("<h3>Added to the catalogue and the ledger</h3><ul>")
        for c in detail.created:
            label = CREATED_LABELS.get(c.kind, c.kind)
            if c.kind in LINKED:
                parts.append(f"<li>{label}: {_link(c.kind, c.key, c.label)}</li>")
            else:
                parts.append(f"<li>{label}: {escape(c.label)}</li>")
        parts.append("</ul>")
    parts.append("<h3>Releases</h3><ul>")
    for r in detail.releases:
        edited = "; <b>edited by the publisher</b>" if r.edited else ""
        tags = r.tags.replace(",", ", ") or "no tag"
        parts.append(
            f"<li>{escape(r.release_id)}: {escape(tags)}, {escape(day_text(r.date))}, "
            f"from {escape(r.source)}{edited}"
        )
        problems = (*r.warnings, *r.schema_problems)
        if problems:
            parts.append("<ul>" + "".join(f"<li>{escape(p)}</li>" for p in problems) + "</ul>")
        parts.append("</li>")
    parts.append("</ul>")
    return "".join(parts)


class NoticesView(ListView):
    """Imported notices with a search box and filters (kind, buyer), applied in memory.

    ``record_requested`` (kind, key) asks the window to open a framework, supplier,
    product or purchase a notice added (a purchase by its product's code).
    """

    record_requested = Signal(str, str)

    def __init__(self, ctx: UiContext, settings: Settings) -> None:
        self.notices = NoticeService(ctx.app)
        self._names: dict[str, str] = {}
        columns = [
            Column("date", "Date", width=100, shown_as=day_text),
            Column("kind", "Type", width=80),
            # the force or collaboration when matched: short, and what officers look for
            Column("buyer", "Buyer", width=200),
            Column("published", "Buyer as published", width=240, hidden=True),
            Column("title", "Title", width=360),
            Column(
                "value",
                "Value",
                width=130,
                shown_as=lambda a: "" if a is None else money_text(a, a.currency or None),
            ),
            # how many: the status line counts them, the details list them
            Column(
                "warnings",
                "Warnings",
                width=70,
                shown_as=lambda n: f"{n:,}" if n else "",
                hidden=True,
            ),
            # the publisher is in the details; shown when chosen (View → Columns)
            Column("source", "Source", width=140, hidden=True),
            Column("ocid", "OCID", width=200, hidden=True),
        ]
        catalogue, notices = ctx.catalogue, self.notices

        def load() -> list[Any]:
            names = {f.code: f.name for f in catalogue.list_forces()}
            names.update({c.code: c.name for c in catalogue.list_collaborations()})
            self._names = names
            return [NoticeLine.of(row, names) for row in notices.list()]

        super().__init__(
            "noticesView",
            "Notices",
            ("notice", "notices"),
            columns,
            load,
            self._describe_line,
            settings,
            ctx,
            key=lambda line: str(line.ocid),
        )
        self.detail.anchorClicked.connect(self._follow)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("noticeSearch")
        self.search_box.setPlaceholderText("Search notices by title, buyer, publisher or OCID…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search notices")
        self.search_box.textChanged.connect(lambda _t: self.apply_filter())
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search_box, self.search_box.clear)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Notice type filter")
        self.kind.addItem("All types", None)
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)
        self.kind.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.buyer_filter = QComboBox()
        self.buyer_filter.setAccessibleName("Notice buyer filter")
        for label, value in BUYER_FILTERS:
            self.buyer_filter.addItem(label, value)
        self.buyer_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search_box, 3)
        bar.addWidget(self.kind, 1)
        bar.addWidget(self.buyer_filter, 2)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setSpacing(6)
        layout.insertLayout(0, bar)
        self.setTabOrder(self.search_box, self.kind)
        self.setTabOrder(self.kind, self.buyer_filter)
        self.setTabOrder(self.buyer_filter, self._table)

    def _describe_line(self, line: NoticeLine) -> str:
        detail = self.notices.show(line.ocid)
        return notice_html(detail, line.matched)

    def _follow(self, url: Any) -> None:
        """A link in the details: another notice is highlighted here; a record it added is
        opened in its own view."""
        text = url.toString()
        kind, _sep, key = text.partition(":")
        if kind in LINKED and key:
            self.record_requested.emit(kind, QUrl.fromPercentEncoding(key.encode()))
            return
        if text.startswith("notice:"):
            ocid = text.removeprefix("notice:")
            if self.model.row_of(ocid) < 0:
                self.search_box.clear()
                self.kind.setCurrentIndex(0)
                self.buyer_filter.setCurrentIndex(0)
            self._select(ocid)

    def status_text(self) -> str:
        """ "116 notices; 14 with warnings" (of those shown)."""
        text = super().status_text()
        if not self.model.loaded:
            return text
        rows = (self.model.row_at(n) for n in range(self.model.rowCount()))
        warned = sum(1 for line in rows if line is not None and line.warnings)
        return f"{text}; {warned:,} with warnings" if warned else text

    def _rows_arrived(self, rows: list[Any]) -> None:
        self.model.set_filter(self._matches())

    def _matches(self) -> Callable[[Any], bool]:
        words = self.search_box.text().lower().split()
        kind, buyer = self.kind.currentData(), self.buyer_filter.currentData()
        return lambda line: notice_matches(line, words, kind, buyer)

    def _changed(self, change: Change) -> None:
        if isinstance(change, CatalogueChanged) and self.model.loaded:
            self.refresh()
