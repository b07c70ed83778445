"""Reading the catalogue: forces, collaborations, frameworks, products."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from catalogue_app.db import models as m
from catalogue_app.db.types import Money
from catalogue_app.domain.enums import ProductStatus, PurchaseStatus
from catalogue_app.domain.errors import NotFoundError, ReferenceDataError, ValidationError
from catalogue_app.domain.synonyms import SynonymTable, phrase
from catalogue_app.domain.text import split_tags
from catalogue_app.paths import reference_dir
from catalogue_app.services.database import Database
from catalogue_app.services.dto import (
    CollaborationRow,
    ForceRow,
    FrameworkRow,
    OfferInfo,
    Page,
    PriceBreakInfo,
    ProductDetail,
    ProductRow,
)

# spend as the ledger sums it (services.ledger.queries.SPEND), without loading the ledger package
_SPEND = type_coerce(func.sum(m.Purchase.quantity * m.Purchase.unit_price), Money())

MAX_SEARCH_TERMS = 8
MAX_TERM_LENGTH = 60
PRODUCT_SORT_KEYS = ("relevance", "code", "name", "supplier", "category", "status", "list_price")


@dataclass(frozen=True)
class ProductQuery:
    text: str = ""
    status: str | None = None
    category: str | None = None
    sort: str = "relevance"
    descending: bool = False
    supplier: str | None = None  # supplier code
    framework: str | None = None  # framework reference
    accredited_on: date | None = None  # accreditation valid on this day

    def with_changes(self, **changes: object) -> ProductQuery:
        return replace(self, **changes)


@dataclass(frozen=True)
class Facet:
    facet: str
    value: str
    label: str
    count: int


_COLUMNS = (
    m.Product.code,
    m.Product.name,
    m.Supplier.name.label("supplier"),
    m.Category.label.label("category"),
    m.Product.status,
    m.Product.unit,
    m.Product.list_price,
    m.Product.accredited_to,
    m.Product.tags,
)
FTS_TABLE = "product_search"
SYNONYMS_FILE = "synonyms.csv"


@cache
def synonym_table() -> SynonymTable:
    """The shipped synonym table (db/reference/synonyms.csv), read once."""
    path = reference_dir() / SYNONYMS_FILE
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return SynonymTable.from_rows(csv.DictReader(fh), SYNONYMS_FILE)
    except FileNotFoundError:
        raise ReferenceDataError(f"{path}: the reference file is missing") from None


def fts_query(words: list[str]) -> str:
    """An FTS5 query in which every word is a literal prefix: operators stay words."""
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


_FTS = table(FTS_TABLE, column("rowid"), column("rank"))


def _fts_match(text: str, name: str = "fts") -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(bindparam(name, text))


def fts_any(alternatives: list[list[str]]) -> str:
    """An FTS5 query matching any of the alternatives (each a list of words, all needed)."""
    return " OR ".join(f"({fts_query(words)})" for words in alternatives)


def fts_match_subquery(  # type: ignore[no-untyped-def]
    words: list[str], alternatives: list[list[str]] | None = None
):
    """Matching product ids with their rank (weighted bm25, configured by migration 0005)
    and tier: 0 where the search's own words match, 1 where only a synonym's do."""
    own = select(
        _FTS.c.rowid.label("id"), _FTS.c.rank.label("rank"), literal(0).label("tier")
    ).where(_fts_match(fts_query(words)))
    if not alternatives:
        return own.subquery("fts_match")
    own_ids = select(_FTS.c.rowid).where(_fts_match(fts_query(words), "fts_own")).correlate(None)
    related = select(
        _FTS.c.rowid.label("id"), _FTS.c.rank.label("rank"), literal(1).label("tier")
    ).where(_fts_match(fts_any(alternatives), "fts_related"), _FTS.c.rowid.not_in(own_ids))
    return union_all(own, related).subquery("fts_match")


# Orders that the products table alone can give (with the name-and-code index).
_PRODUCT_ORDER = {
    "relevance": (m.Product.name, m.Product.code),
    "name": (m.Product.name, m.Product.code),
    "code": (m.Product.code,),
    "status": (m.Product.status, m.Product.code),
    "list_price": (m.Product.list_price, m.Product.code),
}


def _browse_statements(
    query: ProductQuery, limit: int | None, offset: int
) -> tuple[Select, Select]:
    """Everything, in a product column's order: count the table, and find the page's ids
    through the index before joining, so a page deep in the list costs little more
    than the first."""
    keys = _PRODUCT_ORDER[query.sort]
    order = [k.desc() if query.descending and n == 0 else k for n, k in enumerate(keys)]
    count_stmt = select(func.count()).select_from(m.Product)
    ids = select(m.Product.id).order_by(*order).offset(offset)
    if limit is not None:
        ids = ids.limit(limit)
    page = ids.subquery("page")
    page_stmt = (
        select(*_COLUMNS)
        .select_from(page)
        .join(m.Product, m.Product.id == page.c.id)
        .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        .join(m.Category, m.Product.category_id == m.Category.id)
        .order_by(*order)
    )
    return count_stmt, page_stmt


def _text_only_statements(
    words: list[str], alternatives: list[list[str]], limit: int | None, offset: int
) -> tuple[Select, Select]:
    """A plain search: count and rank inside the full-text index, join only the page.
    Products found through a synonym come after those the words themselves find."""
    match = fts_match_subquery(words, alternatives)
    count_stmt = select(func.count()).select_from(match)
    top = select(match.c.id, match.c.rank, match.c.tier).order_by(match.c.tier, match.c.rank)
    top = top.offset(offset)
    if limit is not None:
        top = top.limit(limit)
    ranked = top.subquery("fts_top")
    page_stmt = (
        select(*_COLUMNS)
        .select_from(ranked)
        .join(m.Product, m.Product.id == ranked.c.id)
        .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
        .join(m.Category, m.Product.category_id == m.Category.id)
        .order_by(ranked.c.tier, ranked.c.rank, m.Product.name)
    )
    return count_stmt, page_stmt


def _bounded_count(count_stmt: Select[Any], bound: int) -> Select[Any]:
    """``count_stmt`` counting at most ``bound`` rows: the rows it counts, read through a
    LIMIT subquery, so the database stops at the bound instead of visiting every match."""
    source = count_stmt.get_final_froms()[0]
    capped: Select[Any] = select(literal_column("1").label("one"))
    capped = capped.select_from(source).limit(bound)
    if count_stmt.whereclause is not None:
        capped = capped.where(count_stmt.whereclause)
    return select(func.count()).select_from(capped.subquery("capped"))


def search_terms(text: str) -> list[str]:
    """Words to match, made safe: any input (quotes, wildcards, a huge paste) is fine."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text.lower())
    words = [w[:MAX_TERM_LENGTH] for w in printable.split()]
    return words[:MAX_SEARCH_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CatalogueService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- forces and collaborations -------------------------------------------------
    def list_forces(self) -> list[ForceRow]:
        with self.db.reading() as s:
            rows = s.execute(
                select(m.Force, m.Region.name)
                .outerjoin(m.Region, m.Force.region_id == m.Region.id)
                .order_by(m.Force.name)
            ).all()
            return [
                ForceRow(f.code, f.name, f.short_name, f.welsh_name, f.kind, region, f.officer_fte)
                for f, region in rows
            ]

    def list_collaborations(self) -> list[CollaborationRow]:
        with self.db.reading() as s:
            collabs = s.scalars(
                select(m.Collaboration)
                .options(
                    selectinload(m.Collaboration.members).selectinload(m.CollaborationMember.force),
                    selectinload(m.Collaboration.lead_force),
                )
                .order_by(m.Collaboration.name)
            ).all()
            return [
                CollaborationRow(
                    c.code,
                    c.name,
                    c.lead_force.code if c.lead_force else None,
                    [mem.force.code for mem in sorted(c.members, key=lambda x: x.joined_on)],
                    c.description,
                )
                for c in collabs
            ]

    # -- frameworks -----------------------------------------------------------------
    def list_frameworks(self, today: date | None = None) -> list[FrameworkRow]:
        today = today or date.today()
        with self.db.reading() as s:
            lot_counts = dict(
                s.execute(
                    select(m.Lot.framework_id, func.count()).group_by(m.Lot.framework_id)
                ).all()
            )
            spend = dict(
                s.execute(
                    select(m.Lot.framework_id, _SPEND)
                    .join(m.Purchase, m.Purchase.lot_id == m.Lot.id)
                    .where(m.Purchase.status == PurchaseStatus.ACTIVE)
                    .group_by(m.Lot.framework_id)
                ).all()
            )
            rows = []
            for fw in s.scalars(select(m.Framework).order_by(m.Framework.reference)):
                spent = spend.get(fw.id) or Decimal("0.00")
                term = fw.term
                if today < fw.start_date:
                    status = "not started"
                elif term.is_active_on(today):
                    status = "active"
                else:
                    status = "expired"
                rows.append(
                    FrameworkRow(
                        fw.reference,
                        fw.title,
                        fw.owner,
                        fw.start_date,
                        fw.end_date,
                        term.effective_end,
                        term.extensions_left,
                        fw.max_value,
                        lot_counts.get(fw.id, 0),
                        status,
                        fw.illustrative,
                        (term.effective_end - today).days,
                        fw.max_value - spent if fw.max_value is not None else None,
                    )
                )
            return rows

    # -- products ---------------------------------------------------------------------
    def search_products(
        self,
        query: ProductQuery,
        *,
        limit: int | None = None,
        offset: int = 0,
        count_up_to: int | None = None,
    ) -> Page:
        """The matches' page and their count. With ``count_up_to`` the count stops one
        past that bound (a total above it means "more than the bound"), so a search
        matching most of a large catalogue costs no more than one matching a thousand."""
        with self.db.reading() as s:
            count_stmt, page_stmt = self.product_search_statements(
                s, query, limit, offset, count_up_to
            )
            total = s.scalar(count_stmt) or 0
            rows = [ProductRow(*row[:8], split_tags(row[8])) for row in s.execute(page_stmt)]
            return Page(rows, total)

    def product_search_statements(
        self,
        s: Session,
        query: ProductQuery,
        limit: int | None = None,
        offset: int = 0,
        count_up_to: int | None = None,
    ) -> tuple[Select, Select]:
        """The SQL a search runs: (count of matches, the requested page of them)."""
        if limit is not None and limit < 0:
            raise ValidationError("the limit must not be negative", field="limit")
        if count_up_to is not None and count_up_to < 0:
            raise ValidationError("the count bound must not be negative", field="count_up_to")
        count_stmt, page_stmt = self._search_statements(s, query, limit, offset)
        if count_up_to is None:
            return count_stmt, page_stmt
        return _bounded_count(count_stmt, count_up_to + 1), page_stmt

    def _search_statements(
        self, s: Session, query: ProductQuery, limit: int | None, offset: int
    ) -> tuple[Select[Any], Select[Any]]:
        words = [t for t in search_terms(query.text) if any(ch.isalnum() for ch in t)]
        ranked = s.bind.dialect.name == "sqlite" and bool(words)
        filtered = any(
            (query.status, query.category, query.supplier, query.framework, query.accredited_on)
        )
        if ranked and not filtered and query.sort == "relevance":
            return _text_only_statements(words, self._alternatives(s, words), limit, offset)
        if not query.text.strip() and not filtered and query.sort in _PRODUCT_ORDER:
            return _browse_statements(query, limit, offset)
        base = self._product_filter(s, query)
        count_stmt = select(func.count()).select_from(base.subquery())
        page_stmt = self._product_order(s, base, query, ranked).offset(offset)
        if limit is not None:
            page_stmt = page_stmt.limit(limit)
        return count_stmt, page_stmt

    def _alternatives(self, s: Session, words: list[str]) -> list[list[str]]:
        """Searches that mean the same as ``words``: synonyms from the table, and a
        category group's name standing for the categories in it."""
        if not words:
            return []
        groups: dict[str, list[str]] = {}
        for group, label in s.execute(select(m.Category.group_name, m.Category.label)):
            groups.setdefault(group, []).append(label)
        table = synonym_table().with_rules(
            (phrase(group), [phrase(label) for label in labels]) for group, labels in groups.items()
        )
        return table.alternatives(" ".join(words))

    def _text_clauses(
        self, s: Session, words: list[str]
    ) -> tuple[ColumnElement[bool], ColumnElement[bool] | None]:
        """Substring matching (PostgreSQL): the search's own words, and any synonym's."""

        def every_word(terms: list[str]) -> ColumnElement[bool]:
            fields = (
                m.Product.code,
                m.Product.name,
                m.Product.description,
                m.Product.tags,
                m.Supplier.name,
                m.Category.label,
            )
            return and_(
                *(
                    or_(*(func.lower(f).like(_like_pattern(t), escape="\\") for f in fields))
                    for t in terms
                )
            )

        alternatives = self._alternatives(s, words)
        related = or_(*(every_word(a) for a in alternatives)) if alternatives else None
        return every_word(words), related

    def _product_filter(self, s, query: ProductQuery) -> Select:  # type: ignore[no-untyped-def]
        return self._filtered(s, query, _COLUMNS)

    def _filtered(  # type: ignore[no-untyped-def]
        self, s, query: ProductQuery, columns, *, skip: str | None = None
    ) -> Select:
        """Products matching ``query`` (all but the ``skip`` facet), with ``columns``."""
        stmt = (
            select(*columns)
            .select_from(m.Product)
            .join(m.Supplier, m.Product.supplier_id == m.Supplier.id)
            .join(m.Category, m.Product.category_id == m.Category.id)
        )
        if query.status and skip != "status":
            if query.status not in {st.value for st in ProductStatus}:
                names = ", ".join(st.value for st in ProductStatus)
                raise ValidationError(
                    f"“{query.status}” is not a product status; use one of {names}",
                    field="status",
                )
            stmt = stmt.where(m.Product.status == query.status)
        if query.category and skip != "category":
            stmt = stmt.where(self._category_clause(s, query.category))
        if query.supplier and skip != "supplier":
            stmt = stmt.where(m.Supplier.code == query.supplier)
        if query.framework and skip != "framework":
            offered = (
                select(m.Offer.product_id)
                .join(m.Lot, m.Offer.lot_id == m.Lot.id)
                .join(m.Framework, m.Lot.framework_id == m.Framework.id)
                .where(m.Framework.reference == query.framework)
            )
            stmt = stmt.where(m.Product.id.in_(offered))
        if query.accredited_on and skip != "accredited":
            day = query.accredited_on
            stmt = stmt.where(
                or_(m.Product.accredited_from.is_(None), m.Product.accredited_from <= day),
                or_(m.Product.accredited_to.is_(None), m.Product.accredited_to >= day),
            )
        terms = search_terms(query.text)
        if not terms:
            return stmt
        words = [t for t in terms if any(ch.isalnum() for ch in t)]
        if not words:  # only punctuation: nothing can match it
            return stmt.where(false())
        if s.bind.dialect.name == "sqlite":
            match = fts_match_subquery(words, self._alternatives(s, words))
            return stmt.join(match, match.c.id == m.Product.id)
        own, related = self._text_clauses(s, words)
        return stmt.where(own if related is None else or_(own, related))

    def facet_counts(self, query: ProductQuery, *, top: int = 25) -> dict[str, list[Facet]]:
        """For each facet, its values with how many products the search would show."""
        with self.db.reading() as s:
            result: dict[str, list[Facet]] = {}
            specs = {
                "status": (m.Product.status, m.Product.status),
                "category": (m.Category.cpv_code, m.Category.label),
                "supplier": (m.Supplier.code, m.Supplier.name),
            }
            for facet, (key, label) in specs.items():
                stmt = self._filtered(s, query, [key, label, func.count()], skip=facet)
                stmt = stmt.group_by(key, label).order_by(func.count().desc(), label).limit(top)
                result[facet] = [Facet(facet, k, str(lbl), n) for k, lbl, n in s.execute(stmt)]
            matching = self._filtered(s, query, [m.Product.id], skip="framework").subquery()
            stmt = (
                select(
                    m.Framework.reference,
                    m.Framework.title,
                    func.count(func.distinct(m.Offer.product_id)),
                )
                .select_from(m.Offer)
                .join(matching, matching.c.id == m.Offer.product_id)
                .join(m.Lot, m.Offer.lot_id == m.Lot.id)
                .join(m.Framework, m.Lot.framework_id == m.Framework.id)
                .group_by(m.Framework.reference, m.Framework.title)
                .order_by(
                    func.count(func.distinct(m.Offer.product_id)).desc(), m.Framework.reference
                )
                .limit(top)
            )
            result["framework"] = [
                Facet("framework", ref, f"{ref} — {title}", n) for ref, title, n in s.execute(stmt)
            ]
            return result

    def _category_clause(self, s, category: str):  # type: ignore[no-untyped-def]
        wanted = category.strip().lower()
        match = or_(
            m.Category.cpv_code == category.strip(),
            func.substr(m.Category.cpv_code, 1, 8) == category.strip()[:8],
            func.lower(m.Category.group_name) == wanted,
            func.lower(m.Category.label) == wanted,
        )
        if s.scalar(select(func.count()).select_from(m.Category).where(match)) == 0:
            raise ValidationError(
                f"no category matches “{category}”; give a CPV code such as 35815100-1 "
                "or a group such as “Body armour”",
                field="category",
            )
        return match

    def _product_order(
        self, s: Session, stmt: Select, query: ProductQuery, ranked: bool = False
    ) -> Select:
        if query.sort not in PRODUCT_SORT_KEYS:
            raise ValidationError(
                f"cannot sort by “{query.sort}”; use one of {', '.join(PRODUCT_SORT_KEYS)}",
                field="sort",
            )
        columns = {
            "code": m.Product.code,
            "name": m.Product.name,
            "supplier": m.Supplier.name,
            "category": m.Category.label,
            "status": m.Product.status,
            "list_price": m.Product.list_price,
        }
        terms = search_terms(query.text)
        if query.sort == "relevance":
            if not terms:
                return stmt.order_by(m.Product.name, m.Product.code)
            if ranked:  # full-text search ranks by bm25 (best first), synonyms' finds last
                return stmt.order_by(
                    literal_column("fts_match.tier"),
                    literal_column("fts_match.rank"),
                    m.Product.name,
                )
            order = []
            words = [t for t in terms if any(ch.isalnum() for ch in t)]
            if words:
                own, related = self._text_clauses(s, words)
                if related is not None:  # what a synonym finds comes last
                    order.append(case((own, 0), else_=1))
            first = terms[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            name = func.lower(m.Product.name)
            rank = case(
                (func.lower(m.Product.code) == terms[0], 0),
                (name.like(f"{first}%", escape="\\"), 1),
                (name.like(f"%{first}%", escape="\\"), 2),
                else_=3,
            )
            return stmt.order_by(*order, rank, m.Product.name, m.Product.code)
        column = columns[query.sort]
        ordered = column.desc() if query.descending else column.asc()
        return stmt.order_by(ordered, m.Product.code)

    def get_product(self, code: str) -> ProductDetail:
        with self.db.reading() as s:
            product = s.scalar(
                select(m.Product)
                .where(m.Product.code == code)
                .options(selectinload(m.Product.supplier), selectinload(m.Product.category))
            )
            if product is None:
                raise NotFoundError(f"no product has the code “{code}”")
            offers = s.scalars(
                select(m.Offer)
                .where(m.Offer.product_id == product.id)
                .options(
                    selectinload(m.Offer.price_breaks),
                    selectinload(m.Offer.lot).selectinload(m.Lot.framework),
                )
            ).all()
            offer_infos = []
            for o in sorted(offers, key=lambda o: (o.lot.framework.reference, o.lot.number)):
                fw = o.lot.framework
                term = fw.term
                offer_infos.append(
                    OfferInfo(
                        fw.reference,
                        fw.title,
                        o.lot.number,
                        o.lot.title,
                        o.ceiling_unit_price,
                        o.valid_from,
                        o.valid_to,
                        term.effective_end,
                        [PriceBreakInfo(b.min_quantity, b.unit_price) for b in o.price_breaks],
                    )
                )
            return ProductDetail(
                product.code,
                product.name,
                product.description,
                product.supplier.name,
                product.supplier.status,
                product.category.label,
                product.category.cpv_code,
                product.status,
                product.unit,
                product.list_price,
                product.accredited_from,
                product.accredited_to,
                split_tags(product.tags),
                product.source,
                product.illustrative,
                offer_infos,
            )
