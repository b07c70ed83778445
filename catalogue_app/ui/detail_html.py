"""HTML for the detail panes. Every piece of catalogue text is escaped."""

from __future__ import annotations

from datetime import date
from html import escape

from catalogue_app.domain.money import format_gbp
from catalogue_app.services.browse import BuyerDetail, FrameworkDetail, PriceStats
from catalogue_app.services.dto import ProductDetail

STYLE = """
<style>
 h2 { margin: 0 0 2px 0; }
 .muted { color: #5b6b7d; }
 .warn { color: #8a1c1c; font-weight: 600; }
 .note { color: #6b5b00; }
 table.grid { border-collapse: collapse; margin: 4px 0 8px 0; }
 table.grid td, table.grid th { padding: 2px 8px 2px 0; }
 th { text-align: left; }
 td.num { text-align: right; }
</style>
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _money(value) -> str:  # type: ignore[no-untyped-def]
    return "—" if value is None else escape(format_gbp(value))


def _rows(pairs: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f"<table class='grid'>{body}</table>"


def product_html(p: ProductDetail, stats: PriceStats | None, today: date) -> str:
    warnings = []
    if p.accredited_to and p.accredited_to < today:
        warnings.append(f"Accreditation lapsed on {p.accredited_to.isoformat()}.")
    if p.supplier_status != "active":
        warnings.append(f"The supplier is {p.supplier_status}: do not buy without advice.")
    if p.status == "withdrawn":
        warnings.append("This product has been withdrawn from the catalogue.")
    parts = [
        STYLE,
        f"<h2>{_e(p.name)}</h2>",
        f"<div class='muted'>{_e(p.code)} · {_e(p.status.capitalize())}</div>",
    ]
    parts += [f"<p class='warn'>⚠ {_e(w)}</p>" for w in warnings]
    parts.append(
        _rows(
            [
                ("Supplier", f"{_e(p.supplier)} ({_e(p.supplier_status)})"),
                ("Category", f"{_e(p.category)} <span class='muted'>CPV {_e(p.cpv_code)}</span>"),
                ("Unit", _e(p.unit)),
                ("List price", _money(p.list_price)),
                (
                    "Accredited",
                    f"{_e(p.accredited_from or '—')} to {_e(p.accredited_to or 'open')}",
                ),
                ("Tags", _e(", ".join(p.tags))),
            ]
        )
    )
    if p.description:
        parts.append(f"<p>{_e(p.description)}</p>")
    parts.append("<h3>Framework routes</h3>")
    if not p.offers:
        parts.append("<p>None: buy off-framework at list price.</p>")

    def ended(o) -> bool:  # type: ignore[no-untyped-def]
        return (o.valid_to is not None and o.valid_to < today) or o.framework_end < today

    for o in sorted(p.offers, key=ended):  # routes open today first
        current = not ended(o)
        status = "" if current else " <span class='warn'>(ended)</span>"
        breaks = "".join(
            f"<tr><td class='num'>{b.min_quantity:,}+</td><td class='num'>"
            f"{_money(b.unit_price)}</td></tr>"
            for b in o.price_breaks
        )
        parts.append(
            f"<p><b>{_e(o.framework)} lot {_e(o.lot)}</b> — {_e(o.lot_title)}{status}<br>"
            f"<span class='muted'>{_e(o.framework_title)}; framework ends "
            f"{o.framework_end.isoformat()}</span></p>"
            f"<table class='grid'><tr><th>Quantity</th><th>Unit price</th></tr>"
            f"<tr><td class='num'>1+</td><td class='num'>{_money(o.ceiling_unit_price)}</td></tr>"
            f"{breaks}</table>"
        )
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
                    ("Last purchase", _e(stats.last_purchase)),
                ]
            )
        )
    if p.illustrative:
        parts.append(f"<p class='note'>Illustrative figures. {_e(p.source)}</p>")
    return "".join(parts)


def framework_html(f: FrameworkDetail) -> str:
    if f.days_left >= 0:
        left = f"{f.days_left:,} days left (ends {f.effective_end.isoformat()})"
    else:
        left = f"<span class='warn'>ended {f.effective_end.isoformat()}</span>"
    extensions = (
        f"{f.extensions_left} × {f.extension_months} months left (could run to "
        f"{f.latest_possible_end.isoformat()})"
        if f.extensions_left
        else "none left"
    )
    parts = [
        STYLE,
        f"<h2>{_e(f.reference)} — {_e(f.title)}</h2>",
        f"<div class='muted'>{_e(f.owner)} · {_e(f.agreement_type)}</div>",
    ]
    parts.append(
        _rows(
            [
                ("Runs", f"{f.start_date.isoformat()} to {f.effective_end.isoformat()}"),
                ("Time left", left),
                ("Extensions", _e(extensions)),
                ("Maximum value", _money(f.max_value)),
                ("Call-offs recorded", _money(f.call_off_spend)),
                ("Headroom", _money(f.headroom)),
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
            or "—"
        )
        parts.append(
            f"<p><b>Lot {_e(lot.number)}</b> — {_e(lot.title)}<br>"
            f"<span class='muted'>Routes: {_e(routes)}; {lot.offers} products offered</span><br>"
            f"Suppliers: {_e(', '.join(lot.suppliers) or '—')}</p>"
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
    return "".join(parts)


def buyer_html(b: BuyerDetail) -> str:
    parts = [
        STYLE,
        f"<h2>{_e(b.name)}</h2>",
        f"<div class='muted'>{_e(b.code)} · {_e(b.kind)}</div>",
    ]
    if b.members:
        parts.append(
            "<h3>Members</h3><p>"
            + "<br>".join(
                f"{_e(name)} <span class='muted'>since {joined.isoformat()}</span>"
                for _, name, joined in b.members
            )
            + "</p>"
        )
    parts.append("<h3>Own purchases</h3>")
    body = "".join(
        f"<tr><td>{_e(label)}</td><td class='num'>{count:,}</td>"
        f"<td class='num'>{_money(spend)}</td><td class='num'>{_money(savings)}</td></tr>"
        for label, count, spend, savings in b.years
    )
    parts.append(
        "<table class='grid'><tr><th>Financial year</th><th>Purchases</th><th>Spend</th>"
        f"<th>Savings</th></tr>{body}</table>"
    )
    parts.append("<h3>Champion products</h3>")
    parts.append("<p>Adopted: " + (_e(", ".join(b.champions_adopted)) or "none") + "</p>")
    if b.champions_not_adopted:
        parts.append(
            "<p class='muted'>Not yet adopted: " + _e(", ".join(b.champions_not_adopted)) + "</p>"
        )
    return "".join(parts)
