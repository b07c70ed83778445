"""One server for a collaboration: each login sees and records only for its forces.

PostgreSQL only (an embedded SQLite file has one user and is left unchanged).

* ``officer_forces`` (login, force) says which forces each login acts for. Nobody
  reads it directly: ``catalogue_my_forces()`` and ``catalogue_my_collaborations()``
  run with their owner's rights and look up ``session_user``, which a client
  cannot change (``SET ROLE`` changes ``current_user`` only, and a setting of the
  client's own naming is never consulted).
* Row-level security, forced on the owner too, on purchases, their shares and
  revisions and the audit events. A login reads the purchases of its forces and of
  the collaborations they belong to (everything, if it is in
  ``catalogue_auditor``); it may insert a purchase, revision or audit event only as
  itself and only for those buyers (any buyer, if it is in ``catalogue_admin``).
  Rows are changed after that only by the table owner, which logs in as nobody:
  the revision trigger of 0010 and the price figures below run with its rights.
* ``catalogue_price_stats(product)`` gives what all forces paid for a product as
  figures only (count, forces, lowest, median, highest, last date), never rows.

The group roles, the owner role and the grants are made by ``catalogue-app
server init``, which needs an administrator; the policies name no role, so this
migration also runs where those roles do not exist.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECURED = ("purchases", "purchase_shares", "purchase_revisions", "audit_events")

FUNCTIONS = [
    """CREATE TABLE IF NOT EXISTS officer_forces (
           login VARCHAR(63) NOT NULL,
           force_id INTEGER NOT NULL REFERENCES forces (id),
           CONSTRAINT pk_officer_forces PRIMARY KEY (login, force_id))""",
    "REVOKE ALL ON officer_forces FROM PUBLIC",
    """CREATE OR REPLACE FUNCTION catalogue_my_forces() RETURNS integer[]
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
           SELECT coalesce(array_agg(force_id), '{}') FROM officer_forces
           WHERE login = session_user
       $$""",
    """CREATE OR REPLACE FUNCTION catalogue_my_collaborations() RETURNS integer[]
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
           SELECT coalesce(array_agg(DISTINCT m.collaboration_id), '{}')
           FROM collaboration_members m JOIN officer_forces o ON o.force_id = m.force_id
           WHERE o.login = session_user
       $$""",
    # Whether the login is in a group role; false where the role does not exist.
    """CREATE OR REPLACE FUNCTION catalogue_in_group(group_name text) RETURNS boolean
       LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
           SELECT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = group_name
                          AND pg_has_role(session_user, r.oid, 'MEMBER'))
       $$""",
    # Whether the statement runs with the rights of the table's owner: inside the
    # owner's functions, or on a server where the login itself owns the tables.
    """CREATE OR REPLACE FUNCTION catalogue_as_owner(tbl regclass) RETURNS boolean
       LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
           SELECT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = tbl
                          AND pg_get_userbyid(c.relowner) = current_user)
       $$""",
    """CREATE OR REPLACE FUNCTION catalogue_price_stats(product integer)
       RETURNS TABLE (purchases bigint, forces bigint, lowest bigint, median numeric,
                      highest bigint, last_purchase date)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
           WITH bought AS (
               SELECT id, unit_price, order_date, buyer_force_id FROM purchases
               WHERE product_id = product AND status = 'active'
           ), prices AS (
               SELECT array_agg(unit_price ORDER BY unit_price) AS a FROM bought
           )
           SELECT (SELECT count(*) FROM bought),
                  (SELECT count(DISTINCT f) FROM (
                       SELECT buyer_force_id AS f FROM bought WHERE buyer_force_id IS NOT NULL
                       UNION
                       SELECT s.force_id FROM purchase_shares s JOIN bought b
                           ON b.id = s.purchase_id WHERE b.buyer_force_id IS NULL) AS x),
                  (SELECT min(unit_price) FROM bought),
                  (SELECT (a[(cardinality(a) + 1) / 2] + a[(cardinality(a) + 2) / 2])::numeric / 2
                   FROM prices),
                  (SELECT max(unit_price) FROM bought),
                  (SELECT max(order_date) FROM bought)
       $$""",
]

OWNER = "(SELECT catalogue_as_owner('{table}'::regclass))"
READS_ALL = "(SELECT catalogue_in_group('catalogue_auditor'))"
WRITES_ALL = "(SELECT catalogue_in_group('catalogue_admin'))"
MY_BUYERS = (
    "(buyer_force_id = ANY ((SELECT catalogue_my_forces())::integer[]) "
    "OR buyer_collaboration_id = ANY ((SELECT catalogue_my_collaborations())::integer[]))"
)
OWN_CHAIN = "'login:' || session_user"
PURCHASE_VISIBLE = "EXISTS (SELECT 1 FROM purchases p WHERE p.id = {column})"

# (table, reads, inserts): who reads a row, and what an inserted row must satisfy,
# besides the table owner, who reads and changes everything.
POLICIES = [
    (
        "purchases",
        f"{READS_ALL} OR {MY_BUYERS}",
        f"recorded_by = session_user AND revision = 1 AND ({WRITES_ALL} OR {MY_BUYERS})",
    ),
    (
        "purchase_shares",
        f"{READS_ALL} OR {PURCHASE_VISIBLE.format(column='purchase_id')}",
        "EXISTS (SELECT 1 FROM purchases p WHERE p.id = purchase_id "
        "AND p.recorded_by = session_user AND p.revision = 1)",
    ),
    (
        "purchase_revisions",
        f"{READS_ALL} OR origin = {OWN_CHAIN} OR {PURCHASE_VISIBLE.format(column='purchase_id')}",
        f"recorded_by = session_user AND origin = {OWN_CHAIN} AND ({WRITES_ALL} OR {MY_BUYERS}) "
        f"AND (number = 1 OR {PURCHASE_VISIBLE.format(column='purchase_id')})",
    ),
    (
        "audit_events",
        f"{READS_ALL} OR chain = {OWN_CHAIN} OR entity_type <> 'purchase' "
        f"OR {PURCHASE_VISIBLE.format(column='entity_id')}",
        f"actor = session_user AND chain = {OWN_CHAIN}",
    ),
]


def _policy_statements() -> list[str]:
    statements = []
    for table, reads, inserts in POLICIES:
        owner = OWNER.format(table=table)
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({owner} OR {reads})",
            f"CREATE POLICY {table}_insert ON {table} FOR INSERT "
            f"WITH CHECK ({owner} OR ({inserts}))",
            f"CREATE POLICY {table}_update ON {table} FOR UPDATE "
            f"USING ({owner}) WITH CHECK ({owner})",
            f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({owner})",
        ]
    return statements


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in FUNCTIONS + _policy_statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SECURED:
        for kind in ("read", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{kind} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for function in (
        "catalogue_price_stats(integer)",
        "catalogue_as_owner(regclass)",
        "catalogue_in_group(text)",
        "catalogue_my_collaborations()",
        "catalogue_my_forces()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("DROP TABLE IF EXISTS officer_forces")
