"""Full-text product search.

SQLite: an FTS5 table over code, name, description, supplier name, tags and
category label, kept in step with the catalogue by triggers, so that search
as you type ranks 100,000 products in milliseconds.

PostgreSQL: a trigram index (pg_trgm) over the product's own text, which
serves the substring matching the app runs there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROW = """
    SELECT new.id, new.code, new.name, new.description,
           (SELECT name FROM suppliers WHERE id = new.supplier_id), new.tags,
           (SELECT label FROM categories WHERE id = new.category_id)
"""

SQLITE_UP = [
    """CREATE VIRTUAL TABLE product_search USING fts5(
           code, name, description, supplier, tags, category,
           tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')""",
    """INSERT INTO product_search (rowid, code, name, description, supplier, tags, category)
       SELECT p.id, p.code, p.name, p.description, s.name, p.tags, c.label
       FROM products p JOIN suppliers s ON s.id = p.supplier_id
       JOIN categories c ON c.id = p.category_id""",
    f"""CREATE TRIGGER product_search_insert AFTER INSERT ON products BEGIN
           INSERT INTO product_search (rowid, code, name, description, supplier, tags, category)
           {_ROW};
       END""",
    f"""CREATE TRIGGER product_search_update AFTER UPDATE ON products BEGIN
           DELETE FROM product_search WHERE rowid = old.id;
           INSERT INTO product_search (rowid, code, name, description, supplier, tags, category)
           {_ROW};
       END""",
    """CREATE TRIGGER product_search_delete AFTER DELETE ON products BEGIN
           DELETE FROM product_search WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER product_search_supplier AFTER UPDATE OF name ON suppliers BEGIN
           UPDATE product_search SET supplier = new.name
           WHERE rowid IN (SELECT id FROM products WHERE supplier_id = new.id);
       END""",
    """CREATE TRIGGER product_search_category AFTER UPDATE OF label ON categories BEGIN
           UPDATE product_search SET category = new.label
           WHERE rowid IN (SELECT id FROM products WHERE category_id = new.id);
       END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_category",
    "DROP TRIGGER IF EXISTS product_search_supplier",
    "DROP TRIGGER IF EXISTS product_search_delete",
    "DROP TRIGGER IF EXISTS product_search_update",
    "DROP TRIGGER IF EXISTS product_search_insert",
    "DROP TABLE IF EXISTS product_search",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX IF NOT EXISTS ix_products_search_trgm ON products USING gin (
           lower(code || ' ' || name || ' ' || description || ' ' || tags) gin_trgm_ops)""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_products_search_trgm"]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
