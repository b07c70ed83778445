"""A synthetic national-scale catalogue for benchmarks (100,000 products and more).

Built on top of the reference catalogue (its categories and forces), with
generated suppliers, products, frameworks, lots and offers whose names and
prices look like the real ones. Every generated record is marked illustrative
and names itself synthetic. Deterministic for a given seed; written with
the driver's executemany in batches.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import FromClause, select
from sqlalchemy.orm import Session

from catalogue_app.db import models as m
from catalogue_app.db.bulk import BulkInsert
from catalogue_app.domain.money import round_money

SOURCE = "Synthetic: generated for benchmarks; not a real product, supplier or price."
BATCH = 10_000

_NOUNS = {
    "ICT": ["laptop", "tablet", "server", "licence", "docking station", "monitor", "router"],
    "Vehicles": ["patrol car", "van", "motorcycle", "estate car", "SUV", "people carrier"],
    "Body armour": ["stab vest", "ballistic vest", "carrier", "trauma plate", "covert vest"],
    "Uniforms": ["shirt", "trousers", "fleece", "jacket", "boots", "hi-vis tabard", "cap"],
    "Communications": ["TETRA radio", "body-worn camera", "earpiece", "charger", "antenna"],
    "Custody": ["cell camera", "custody record licence", "restraint set", "cellular van"],
    "Forensics": ["DNA profile", "swab kit", "toxicology test", "extraction licence"],
}
_ADJECTIVES = [
    "rugged",
    "compact",
    "advanced",
    "lightweight",
    "standard",
    "premium",
    "covert",
    "tactical",
    "extended",
    "modular",
    "enhanced",
    "secure",
]
_SYLLABLES = [
    "nor",
    "vex",
    "tal",
    "quin",
    "mar",
    "sol",
    "bri",
    "den",
    "cor",
    "lyn",
    "rav",
    "tor",
    "ast",
    "ell",
    "pol",
    "hal",
    "gar",
    "zen",
    "kep",
    "ori",
]
_PRICE_RANGE = {
    "ICT": (150, 3000),
    "Vehicles": (18000, 75000),
    "Body armour": (250, 700),
    "Uniforms": (15, 250),
    "Communications": (120, 1600),
    "Custody": (300, 60000),
    "Forensics": (40, 7000),
}


def _write(session: Session, table: FromClause, rows: list[dict[str, Any]]) -> None:
    """Insert generated rows with the driver's executemany (see db/bulk.py)."""
    if rows:
        out = BulkInsert(session, table, list(rows[0]))
        out.write(out.tuples(rows))


def _company(rng: random.Random, n: int) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    kind = rng.choice(["Systems", "Solutions", "Supplies", "Technologies", "Group"])
    return f"{stem} {kind} {n:04d} Ltd"


def generate_synthetic_catalogue(
    session: Session,
    *,
    products: int,
    suppliers: int,
    frameworks: int,
    seed: int = 42,
) -> dict[str, int]:
    """Add generated suppliers, products, frameworks, lots, offers and price breaks."""
    rng = random.Random(seed)
    categories = session.execute(select(m.Category.id, m.Category.group_name)).all()
    if not categories:
        raise ValueError("load the reference catalogue before generating a synthetic one")

    supplier_rows = [
        {
            "code": f"syn-supplier-{i:05d}",
            "name": _company(rng, i),
            "status": "active",
            "source": SOURCE,
            "illustrative": True,
        }
        for i in range(suppliers)
    ]
    for row in rng.sample(supplier_rows, max(1, suppliers // 100)):
        row["status"] = rng.choice(["suspended", "excluded"])
    _write(session, m.Supplier.__table__, supplier_rows)
    supplier_ids = list(
        session.scalars(select(m.Supplier.id).where(m.Supplier.code.like("syn-supplier-%")))
    )

    product_rows = []
    product_meta: list[tuple[int, Decimal, date]] = []  # supplier id, list price, accredited
    for i in range(products):
        category_id, group = rng.choice(categories)
        supplier_id = rng.choice(supplier_ids)
        low, high = _PRICE_RANGE.get(group, (20, 2000))
        price = round_money(Decimal(rng.randint(low * 100, high * 100)) / 100)
        noun = rng.choice(_NOUNS.get(group, ["item"]))
        model = f"{rng.choice(_SYLLABLES).upper()}{rng.randint(10, 9999)}"
        start = date(2012, 1, 1) + timedelta(days=rng.randrange(4000))
        product_rows.append(
            {
                "code": f"SYN-{i:06d}",
                "name": f"{rng.choice(_ADJECTIVES).capitalize()} {noun} {model}",
                "supplier_id": supplier_id,
                "category_id": category_id,
                "description": f"Synthetic {noun} for benchmarking ({group.lower()}).",
                "status": rng.choices(
                    ["champion", "approved", "challenger", "withdrawn"], [2, 80, 12, 6]
                )[0],
                "accredited_from": start,
                "accredited_to": start + timedelta(days=rng.randrange(700, 5000)),
                "unit": "each",
                "list_price": price,
                "tags": ", ".join(rng.sample(_ADJECTIVES, 2)),
                "source": SOURCE,
                "illustrative": True,
            }
        )
        product_meta.append((supplier_id, price, start))
        if len(product_rows) >= BATCH:
            _write(session, m.Product.__table__, product_rows)
            product_rows.clear()
    if product_rows:
        _write(session, m.Product.__table__, product_rows)
    product_ids = list(
        session.scalars(
            select(m.Product.id).where(m.Product.code.like("SYN-%")).order_by(m.Product.code)
        )
    )

    # list-price history: a third of the products were cheaper until a renewal
    price_rows = []
    for product_id, (_, price, start) in zip(product_ids, product_meta, strict=True):
        if product_id % 3 == 0:
            renewed = start + timedelta(days=rng.randrange(365, 2500))
            earlier = round_money(price * Decimal(rng.randint(85, 97)) / 100)
            price_rows.append((product_id, start, earlier))
            price_rows.append((product_id, renewed, price))
        else:
            price_rows.append((product_id, start, price))
    for first in range(0, len(price_rows), BATCH):
        _write(
            session,
            m.ProductPrice.__table__,
            [
                {"product_id": pid, "effective_from": day, "list_price": price}
                for pid, day, price in price_rows[first : first + BATCH]
            ],
        )

    framework_rows = []
    for i in range(frameworks):
        start = date(2014, 4, 1) + timedelta(days=rng.randrange(3650))
        years = rng.randint(2, 4)
        framework_rows.append(
            {
                "reference": f"SYN-FW-{i:04d}",
                "title": f"Synthetic framework {i:04d}",
                "owner": rng.choice(["Crown Commercial Service", "BlueLight Commercial", "ESPO"]),
                "agreement_type": "multi-supplier framework",
                "start_date": start,
                "end_date": start + timedelta(days=365 * years - 1),
                "extension_count": rng.randint(0, 2),
                "extension_months": 12,
                "extensions_taken": 0,
                "max_value": Decimal(rng.randint(1, 500)) * Decimal(1_000_000),
                "description": SOURCE,
                "source": SOURCE,
                "illustrative": True,
            }
        )
    _write(session, m.Framework.__table__, framework_rows)
    framework_ids = list(
        session.scalars(select(m.Framework.id).where(m.Framework.reference.like("SYN-FW-%")))
    )
    lot_rows = [
        {
            "framework_id": fid,
            "number": str(n),
            "title": f"Lot {n}",
            "direct_award": rng.random() < 0.5,
            "further_competition": True,
        }
        for fid in framework_ids
        for n in range(1, rng.randint(2, 5))
    ]
    _write(session, m.Lot.__table__, lot_rows)
    lots = session.execute(
        select(m.Lot.id, m.Framework.start_date)
        .join(m.Framework)
        .where(m.Framework.reference.like("SYN-FW-%"))
    ).all()

    lot_suppliers: set[tuple[int, int]] = set()
    offer_rows = []
    for product_id, (supplier_id, price, _) in zip(product_ids, product_meta, strict=True):
        for lot_id, fw_start in rng.sample(lots, rng.choice([0, 1, 1, 2, 3])):
            lot_suppliers.add((lot_id, supplier_id))
            offer_rows.append(
                {
                    "lot_id": lot_id,
                    "product_id": product_id,
                    "ceiling_unit_price": round_money(price * Decimal(rng.randint(85, 99)) / 100),
                    "valid_from": fw_start,
                    "valid_to": None,
                }
            )
    for first in range(0, len(offer_rows), BATCH):
        _write(session, m.Offer.__table__, offer_rows[first : first + BATCH])
    _write(
        session,
        m.lot_suppliers,
        [{"lot_id": lot, "supplier_id": sup} for lot, sup in sorted(lot_suppliers)],
    )
    offers = session.execute(
        select(m.Offer.id, m.Offer.ceiling_unit_price)
        .join(m.Product)
        .where(m.Product.code.like("SYN-%"))
    ).all()
    break_rows = []
    for offer_id, ceiling in offers:
        price = ceiling
        quantity = 1
        for _ in range(rng.randint(0, 3)):
            quantity *= rng.choice([5, 10, 20])
            price = round_money(price * Decimal(rng.randint(90, 98)) / 100)
            break_rows.append({"offer_id": offer_id, "min_quantity": quantity, "unit_price": price})
    for first in range(0, len(break_rows), BATCH):
        _write(session, m.PriceBreakRow.__table__, break_rows[first : first + BATCH])
    return {
        "suppliers": suppliers,
        "products": products,
        "list prices": len(price_rows),
        "frameworks": frameworks,
        "lots": len(lot_rows),
        "offers": len(offer_rows),
        "price breaks": len(break_rows),
    }
