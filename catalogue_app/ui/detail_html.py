"""HTML for the detail panes. Every piece of catalogue text is escaped; money reads
£1,234.50 and dates 23 Nov 2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.browse import (
    Adoption,
    BuyerDetail,
    FrameworkDetail,
    PriceStats,
    SupplierDetail,
    TargetProgress,
)
from catalogue_app.services.dto import OfferInfo, ProductDetail
from catalogue_app.services.editing import PriceHistory

STYLE = """
<style>
 h2 { margin: 0 0 2px 0; }
 h3 { margin: 10px 0 2px 0; }
 .muted { color: #5b6b7d; }
 .warn { color: #8a1c1c; font-weight: 600; }
 .good { color: #1e6b34; }
 .note { color: #6b5b00; }
 table.grid { border-collapse: collapse; margin: 4px 0 8px 0; }
 table.grid td, table.grid th { padding: 2px 10px 2px 0; vertical-align: top; }
 th { text-align: left; }
 td.num, th.num { text-align: right; }
 tr.total td { font-weight: 600; }
</style>
"""

KINDS = {
    "territorial": "Territorial police force",
    "national": "National police service",
    "special": "Special police force",
    "collaboration": "Collaboration of forces",
}
STATUSES = {
    "active": "Active",
    "suspended": "Suspended",
    "excluded": "Excluded",
    "champion": "Champion",
    "approved": "Approved",
    "challenger": "Challenger",
    "withdrawn": "Withdrawn",
}


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _money(value: Decimal | None) -> str:
    return "—" if value is None else escape(format_gbp(value))


def _round_money(value: Decimal) -> str:
    """A round target figure as people say it: £9.8m, £3m, £750,000."""
    if abs(value) >= 1_000_000:
        millions = f"{value / 1_000_000:,.1f}".removesuffix(".0")
        return f"£{millions}m"
    return format_gbp(value).removesuffix(".00")


def _day(value: date | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _status(value: str) -> str:
    return STATUSES.get(value, value.capitalize())


def _rows(pairs: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f"<table class='grid'>{body}</table>"


def _table(header: list[str], rows: list[list[str]], numeric: set[int], wrap: int = -1) -> str:
    """A table; ``numeric`` are the indexes of right-aligned columns. Cells are HTML and
    never wrap, except in the ``wrap`` column (names)."""

    def cells(tag: str, values: list[str]) -> str:
        out = []
        for i, v in enumerate(values):
            attrs = (" class='num'" if i in numeric else "") + (
                "" if i == wrap else " style='white-space: nowrap'"
            )
            out.append(f"<{tag}{attrs}>{v}</{tag}>")
        return "".join(out)

    head = f"<tr>{cells('th', [_e(h) for h in header])}</tr>"
    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f"<table class='grid'>{head}{body}</table>"


def _breaks(breaks: str) -> list[str]:
    """ "1000:440.00, 3000:425.00" as ["1,000+ £440.00", "3,000+ £425.00"]."""
    parts = []
    for part in breaks.split(","):
        quantity, _, price = part.strip().partition(":")
        if quantity and price:
            parts.append(f"{int(quantity):,}+ {format_gbp(Decimal(price))}")
    return parts


def price_history_html(prices: PriceHistory, today: date) -> str:
    """The list-price versions, and every version of the prices on each lot, oldest first.
    Written as lines rather than wide tables: the detail pane is narrow."""

    def span(start: date, end: date | None) -> str:
        return f"{_day(start)} to {_day(end)}" if end is not None else f"from {_day(start)}"

    def mark(start: date, end: date | None) -> str:
        if start > today:
            return " <span class='note'>(from a later date)</span>"
        if end is not None and end < today:
            return ""
        return " <span class='good'>(in force)</span>"

    parts = ["<h3>Price history</h3>", "<p><b>List price</b><br>"]
    parts.append(
        "<br>".join(
            f"{_money(v.list_price)} <span class='muted'>{span(v.effective_from, v.until)}"
            f"</span>{mark(v.effective_from, v.until)}"
            for v in prices.list_prices
        )
    )
    parts.append("</p>")
    lots: dict[str, list[str]] = {}
    for o in prices.offers:
        breaks = " · ".join([f"1+ {format_gbp(o.ceiling_price)}", *_breaks(o.price_breaks)])
        lots.setdefault(f"{o.framework} lot {o.lot}", []).append(
            f"<span class='muted'>{span(o.valid_from, o.valid_to)}</span>"
            f"{mark(o.valid_from, o.valid_to)}<br>{_e(breaks)}"
        )
    for lot, versions in lots.items():
        parts.append(f"<p><b>{_e(lot)}</b><br>" + "<br>".join(versions) + "</p>")
    parts.append("<p class='muted'>A purchase keeps the prices in force on its order date.</p>")
    return "".join(parts)


def product_html(
    p: ProductDetail, stats: PriceStats | None, today: date, prices: PriceHistory | None = None
) -> str:
    warnings = []
    if p.accredited_to and p.accredited_to < today:
        warnings.append(f"Accreditation lapsed on {_day(p.accredited_to)}.")
    if p.supplier_status != "active":
        warnings.append(f"The supplier is {p.supplier_status}: do not buy from it without advice.")
    if p.status == "withdrawn":
        warnings.append("This product has been withdrawn from the catalogue.")
    parts = [
        STYLE,
        f"<h2>{_e(p.name)}</h2>",
        f"<div class='muted'>{_e(p.code)} · {_e(_status(p.status))}</div>",
    ]
    parts += [f"<p class='warn'>⚠ {_e(w)}</p>" for w in warnings]
    if p.accredited_from or p.accredited_to:
        accredited = (
            f"{_day(p.accredited_from) or 'no start date'} to "
            f"{_day(p.accredited_to) or 'no end date'}"
        )
    else:
        accredited = "no dates recorded"
    pairs = [
        ("Supplier", f"{_e(p.supplier)} ({_e(_status(p.supplier_status).lower())})"),
        ("Category", f"{_e(p.category)} <span class='muted'>CPV {_e(p.cpv_code)}</span>"),
        ("Unit", _e(p.unit)),
        ("List price", _money(p.list_price)),
        ("Accredited", _e(accredited)),
    ]
    if p.tags:
        pairs.append(("Tags", _e(", ".join(t.replace("-", " ") for t in p.tags))))
    parts.append(_rows(pairs))
    if p.description:
        parts.append(f"<p>{_e(p.description)}</p>")
    parts.append("<h3>Framework routes</h3>")
    if not p.offers:
        parts.append("<p>No framework route: buy off-framework at the list price.</p>")

    def ended(o: OfferInfo) -> bool:
        return (o.valid_to is not None and o.valid_to < today) or o.framework_end < today

    for o in sorted(p.offers, key=ended):  # routes open today first
        if o.framework_end < today:
            status = " <span class='warn'>(the framework has ended)</span>"
        elif o.valid_to is not None and o.valid_to < today:
            status = f" <span class='warn'>(these prices ended {_day(o.valid_to)})</span>"
        elif o.valid_from > today:
            status = f" <span class='note'>(these prices start {_day(o.valid_from)})</span>"
        else:
            status = ""
        breaks = "".join(
            f"<tr><td class='num'>{b.min_quantity:,}+</td><td class='num'>"
            f"{_money(b.unit_price)}</td></tr>"
            for b in o.price_breaks
        )
        parts.append(
            f"<p><b>{_e(o.framework)} lot {_e(o.lot)}</b> — {_e(o.lot_title)}{status}<br>"
            f"<span class='muted'>{_e(o.framework_title)}; the framework "
            f"{'ends' if o.framework_end >= today else 'ended'} {_day(o.framework_end)}</span></p>"
            f"<table class='grid'><tr><th class='num'>Quantity</th>"
            f"<th class='num'>Unit price</th></tr>"
            f"<tr><td class='num'>1+</td><td class='num'>{_money(o.ceiling_unit_price)}</td></tr>"
            f"{breaks}</table>"
        )
    if prices is not None:
        parts.append(price_history_html(prices, today))
    parts.append("<h3>Bought by other forces</h3>")
    if stats is None:
        parts.append("<p class='muted'>Counting purchases…</p>")
    elif stats.purchases == 0:
        parts.append("<p>No force has recorded a purchase of this product yet.</p>")
    else:
        parts.append(
            _rows(
                [
                    ("Forces", f"{stats.forces:,}"),
                    ("Purchases", f"{stats.purchases:,}"),
                    ("Lowest unit price", _money(stats.lowest)),
                    ("Median unit price", _money(stats.median)),
                    ("Highest unit price", _money(stats.highest)),
                    ("Last purchase", _day(stats.last_purchase)),
                ]
            )
        )
    if p.illustrative:
        parts.append(f"<p class='note'>Illustrative figures. {_e(p.source)}</p>")
    elif p.source:
        parts.append(f"<p class='note'>{_e(p.source)}</p>")
    return "".join(parts)


def _days(n: int) -> str:
    return _plural(n, "day")


def framework_html(f: FrameworkDetail) -> str:
    if f.days_left > 0:
        left = f"{_days(f.days_left)} left: it ends on {_day(f.effective_end)}"
        if f.days_left <= 180:
            left = f"<span class='warn'>{left}</span>"
    elif f.days_left == 0:
        left = f"<span class='warn'>It ends today, {_day(f.effective_end)}</span>"
    else:
        left = (
            f"<span class='warn'>Ended on {_day(f.effective_end)}, {_days(-f.days_left)} ago</span>"
        )
    if f.extensions_left:
        extensions = (
            f"{_plural(f.extensions_left, 'extension')} of {f.extension_months} months left "
            f"(it could run to {_day(f.latest_possible_end)})"
        )
    else:
        extensions = "No extensions left"
    if f.max_value is None or f.headroom is None:
        headroom = "Not tracked: no maximum value is recorded"
    elif f.headroom < 0:
        headroom = (
            f"<span class='warn'>Used up: call-offs are {_money(-f.headroom)} over the "
            "maximum value</span>"
        )
    else:
        share = f.headroom / f.max_value * 100 if f.max_value else Decimal(0)
        headroom = f"{_money(f.headroom)} left ({share:.0f}% of the maximum value)"
    parts = [
        STYLE,
        f"<h2>{_e(f.reference)} — {_e(f.title)}</h2>",
        f"<div class='muted'>{_e(f.owner)} · {_e(f.agreement_type.capitalize())}</div>",
    ]
    if f.withdrawn_on is not None:
        why = f": {f.withdrawn_reason.rstrip('.')}" if f.withdrawn_reason else ""
        parts.append(
            f"<p class='warn'>⚠ Withdrawn from the catalogue on {_day(f.withdrawn_on)}"
            f"{_e(why)}. Place no new call-offs under it.</p>"
        )
    parts.append(
        _rows(
            [
                ("Runs", f"{_day(f.start_date)} to {_day(f.effective_end)}"),
                ("Time left", left),
                ("Extensions", _e(extensions)),
                (
                    "Maximum value",
                    _money(f.max_value) if f.max_value is not None else "Not recorded",
                ),
                ("Call-offs recorded", _money(f.call_off_spend)),
                ("Headroom", headroom),
            ]
        )
    )
    if f.description:
        parts.append(f"<p>{_e(f.description)}</p>")
    parts.append("<h3>Lots</h3>")
    for lot in f.lots:
        routes = (
            " and ".join(
                r
                for r, on in (
                    ("direct award", lot.direct_award),
                    ("further competition", lot.further_competition),
                )
                if on
            )
            or "none recorded"
        )
        withdrawn = (
            f" <span class='warn'>(withdrawn {_day(lot.withdrawn_on)})</span>"
            if lot.withdrawn_on is not None
            else ""
        )
        parts.append(
            f"<p><b>Lot {_e(lot.number)}</b> — {_e(lot.title)}{withdrawn}<br>"
            f"<span class='muted'>Award by {_e(routes)}; "
            f"{_plural(lot.offers, 'product') if lot.offers else 'no products'} offered</span><br>"
            f"Suppliers: {_e(', '.join(lot.suppliers) or 'none recorded')}</p>"
        )
    parts.append(f"<h3>Products offered ({f.product_count:,})</h3><p>")
    parts.append(
        "<br>".join(
            f"{_e(name)} <span class='muted'>{_e(code)}</span>" for code, name in f.products
        )
    )
    if f.product_count > len(f.products):
        parts.append(
            f"<br><span class='muted'>and {f.product_count - len(f.products):,} more</span>"
        )
    parts.append("</p>")
    if f.illustrative:
        parts.append(f"<p class='note'>Illustrative figures. {_e(f.source)}</p>")
    elif f.source:
        parts.append(f"<p class='note'>{_e(f.source)}</p>")
    return "".join(parts)


def _target_amount(t: TargetProgress) -> str:
    if t.amount_upper is not None and t.amount_upper != t.amount:
        return f"{_round_money(t.amount)}–{_round_money(t.amount_upper)}"
    return _round_money(t.amount)


def _target_html(t: TargetProgress, today: date) -> str:
    years = f"{t.period_start.year}–{t.period_end.year}"
    share = t.saved / t.amount * 100 if t.amount else Decimal(0)
    headline = (
        f"<b>{_e(format_gbp(t.saved))} of {_e(_target_amount(t))}</b> over {years} "
        f"({share:.1f}% of the target)"
    )
    gap = t.amount - t.saved
    if t.saved >= t.amount:
        state = "<span class='good'>Target met.</span>"
    elif today > t.period_end:
        state = f"<span class='warn'>Ended {_day(t.period_end)}, {_money(gap)} short.</span>"
    elif today < t.period_start:
        state = f"Starts {_day(t.period_start)}."
    else:
        state = f"{_money(gap)} still to find by {_day(t.period_end)}."
    rows = [
        [
            _e(y.year),
            _money(y.saved),
            _money(y.cumulative),
            f"{y.cumulative / t.amount * 100:.1f}%" if t.amount else "—",
        ]
        for y in t.years
    ]
    return (
        f"<p><b>{_e(t.buyer)}</b>: {headline}<br>{state}<br>"
        f"<span class='muted'>{_day(t.period_start)} to {_day(t.period_end)}. "
        f"{_e(t.description)}</span></p>"
        + _table(["Year", "Saved", "Saved so far", "Of the target"], rows, {1, 2, 3})
    )


def _adoption(a: Adoption) -> str:
    names = a.through[:2]
    if len(a.through) > 2:
        names.append(_plural(len(a.through) - 2, "other"))
    ways = (["own purchases"] if a.own else []) + (["through " + _and(names)] if names else [])
    return f"{_e(a.name)} <span class='muted'>— {_e('; '.join(ways))}</span>"


def _and(items: list[str]) -> str:
    """Names in a sentence; a semicolon between them, as names may hold "and"."""
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + " and " + items[-1]


def buyer_html(b: BuyerDetail, today: date | None = None) -> str:
    today = today or date.today()
    is_force = b.kind != "collaboration"
    joint = is_force and bool(b.memberships or any(b.joint_shares.values()))
    parts = [
        STYLE,
        f"<h2>{_e(b.name)}</h2>",
        f"<div class='muted'>{_e(KINDS.get(b.force_kind or b.kind, 'Police force'))}"
        + (f" · {_e(b.region)} region" if b.region else "")
        + (f" · led by {_e(b.lead_force)}" if b.lead_force else "")
        + "</div>",
    ]
    if b.description:
        parts.append(f"<p>{_e(b.description)}</p>")
    if is_force:
        facts = [("Officers", f"{b.officer_fte:,} full-time equivalent")] if b.officer_fte else []
        if b.memberships:
            facts.append(
                (
                    "Collaborations",
                    "<br>".join(
                        f"{_e(c.name)} <span class='muted'>since {_day(c.joined_on)}"
                        + (f", left {_day(c.left_on)}" if c.left_on else "")
                        + "</span>"
                        for c in b.memberships
                    ),
                )
            )
        if facts:
            parts.append(_rows(facts))
    if b.members:
        current = [x for x in b.members if x.left_on is None or x.left_on >= today]
        rows = [
            [
                f"{_e(x.name)}<br><span class='muted'>since {_day(x.joined_on)}"
                + (f", left {_day(x.left_on)}" if x.left_on else "")
                + "</span>",
                "—" if x.officer_fte is None else f"{x.officer_fte:,}",
            ]
            for x in b.members
        ]
        total = "—" if b.officer_fte is None else f"{b.officer_fte:,}"
        table = _table(["Member", "Officers (FTE)"], rows, {1}, wrap=0)
        table = table.replace(
            "</table>",
            f"<tr class='total'><td>{_plural(len(current), 'current member')}</td>"
            f"<td class='num'>{total}</td></tr></table>",
        )
        parts.append(f"<h3>Members</h3>{table}")
    parts.append("<h3>Own purchases</h3>")
    if joint:  # a force's own purchases, and its part of its collaborations' joint ones
        header = ["Year", "Spend", "Savings", "Joint share"]
        rows = [
            [
                _e(label),
                _money(spend),
                _money(savings),
                _money(b.joint_shares.get(label, Decimal("0.00"))),
            ]
            for label, _count, spend, savings in b.years
        ]
    else:
        header = ["Year", "Purchases", "Spend", "Savings"]  # a collaboration's, or a force's
        rows = [
            [_e(label), f"{count:,}", _money(spend), _money(savings)]
            for label, count, spend, savings in b.years
        ]
    parts.append(_table(header, rows, {1, 2, 3}))
    notes = [f"Financial years, April to March; {_e(b.current_year)} is the year so far."]
    if joint:
        purchases = sum(count for _, count, _, _ in b.years)
        notes.append(
            f"Spend and savings are the force's own {_plural(purchases, 'purchase')}; the "
            "joint share is its part of the joint purchases its collaborations made."
        )
    parts.append(f"<p class='muted'>{' '.join(notes)}</p>")
    parts.append("<h3>Savings targets</h3>")
    if b.targets:
        parts += [_target_html(t, today) for t in b.targets]
    else:
        whose = "this force or its collaborations" if is_force else "this collaboration"
        parts.append(f"<p>No savings target is recorded for {whose}.</p>")
    champions = len(b.champions_adopted) + len(b.champions_not_adopted)
    parts.append(
        f"<h3>Champion products</h3><p>In use: {len(b.champions_adopted)} of {champions}</p>"
    )
    if b.champions_adopted:
        adopted = (_adoption(a) if joint else _e(a.name) for a in b.champions_adopted)
        parts.append("<p>" + "<br>".join(adopted) + "</p>")
    if b.champions_not_adopted:
        parts.append(
            "<p class='muted'>Not yet adopted: " + _e(", ".join(b.champions_not_adopted)) + "</p>"
        )
    return "".join(parts)


def supplier_html(d: SupplierDetail, today: date | None = None) -> str:
    today = today or date.today()
    parts = [
        STYLE,
        f"<h2>{_e(d.name)}</h2>",
        f"<div class='muted'>{_e(_status(d.status))} supplier"
        + (f" · Companies House {_e(d.companies_house_number)}" if d.companies_house_number else "")
        + "</div>",
    ]
    since = f" since {_day(d.status_since)}" if d.status_since is not None else ""
    why = f"<br>Reason: {_e(d.status_reason)}" if d.status_reason else ""
    if d.status == "suspended":
        parts.append(
            f"<p class='warn'>⚠ Suspended{since}: place no new orders with this supplier "
            f"without procurement advice.{why}</p>"
        )
    elif d.status == "excluded":
        parts.append(
            f"<p class='warn'>⚠ Excluded from public procurement{since}: do not buy from this "
            f"supplier.{why}</p>"
        )
    if d.source:
        parts.append(f"<p>{_e(d.source)}</p>")
    parts.append(f"<h3>Products ({len(d.products):,})</h3>")
    if d.products:
        parts.append(
            "<p>"
            + "<br>".join(
                f"{_e(name)} <span class='muted'>{_e(code)} · {_e(_status(status))}</span>"
                for code, name, status in d.products
            )
            + "</p>"
        )
    else:
        parts.append("<p>No products in the catalogue.</p>")
    parts.append(f"<h3>Framework lots ({len(d.lots):,})</h3>")
    if d.lots:
        lots = []
        for lot in d.lots:
            when = (
                f"ends {_day(lot.ends)}"
                if lot.ends >= today
                else f"<span class='warn'>ended {_day(lot.ends)}</span>"
            )
            lots.append(
                f"<b>{_e(lot.framework)} lot {_e(lot.lot)}</b> — {_e(lot.lot_title)}<br>"
                f"<span class='muted'>{_e(lot.framework_title)}; {when}</span>"
            )
        parts.append("<p>" + "<br>".join(lots) + "</p>")
    else:
        parts.append("<p>Not on any framework lot: orders with it are off-framework.</p>")
    parts.append("<h3>Who buys from it</h3>")
    if d.buyers:
        parts.append(
            "<p>"
            + "<br>".join(
                f"{_e(x.name)} <span class='muted'>— {_plural(x.purchases, 'purchase')}, "
                f"{_money(x.spend)}</span>"
                for x in d.buyers
            )
            + "</p>"
        )
        if d.buyer_count > len(d.buyers):
            parts.append(
                f"<p class='muted'>The {len(d.buyers)} biggest of "
                f"{_plural(d.buyer_count, 'force or collaboration', 'forces and collaborations')}"
                " buying from it.</p>"
            )
        rows = [[_e(label), f"{count:,}", _money(spend)] for label, count, spend in d.years]
        parts.append("<h3>Spend by financial year</h3>")
        parts.append(_table(["Year", "Purchases", "Spend"], rows, {1, 2}))
        parts.append(
            f"<p class='muted'>Active purchases of its products; {_e(d.current_year)} is the "
            "year so far.</p>"
        )
    else:
        parts.append("<p>No purchase from this supplier is recorded.</p>")
    if d.illustrative:
        parts.append("<p class='note'>Illustrative supplier.</p>")
    return "".join(parts)
