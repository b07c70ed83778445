import json
import shutil
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from catalogue_app.db import models as m
from catalogue_app.db.reference import load_reference
from catalogue_app.domain.errors import ReferenceDataError
from catalogue_app.paths import reference_dir
from catalogue_app.services.database import open_database


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_reference_catalogue_is_complete(db):
    with db.transaction() as s:
        assert count(s, m.Force) == 46
        assert count(s, m.Force, m.Force.kind == "territorial") == 43
        names = set(s.scalars(select(m.Force.name)))
        assert {"Police Service of Scotland", "Police Service of Northern Ireland"} <= names
        assert "British Transport Police" in names
        assert count(s, m.Product) >= 40
        assert count(s, m.Framework) >= 10
        assert count(s, m.Supplier) >= 25
        groups = set(s.scalars(select(m.Category.group_name)))
        expected = {"ICT", "Vehicles", "Body armour", "Uniforms", "Communications"}
        assert expected | {"Custody", "Forensics"} <= groups


def test_officer_numbers_come_from_the_home_office_figures(db):
    with db.transaction() as s:
        norfolk = s.scalar(select(m.Force).where(m.Force.code == "norfolk"))
        assert norfolk.name == "Norfolk Constabulary"
        assert norfolk.officer_fte == Decimal("1643.70")
        assert norfolk.region.name == "Eastern"
        # "West Midlands" is a region and a force: the force is not the region subtotal.
        wm = s.scalar(select(m.Force).where(m.Force.code == "west-midlands"))
        assert wm.officer_fte == Decimal("6405.06")
        assert wm.region.code == "west-midlands"


def test_collaborations_from_public_reporting(db):
    with db.transaction() as s:

        def members(code):
            c = s.scalar(select(m.Collaboration).where(m.Collaboration.code == code))
            return {mem.force.code for mem in c.members}

        assert members("ecis") == {"kent", "essex", "suffolk", "norfolk"}
        assert members("norfolk-suffolk") == {"norfolk", "suffolk"}
        athena = members("athena-consortium")
        assert {"bedfordshire", "cambridgeshire", "essex", "hertfordshire", "kent"} <= athena
        assert {"warwickshire", "west-mercia"} <= athena


def test_savings_targets_from_public_reporting(db):
    with db.transaction() as s:
        rows = s.execute(
            select(m.Collaboration.code, m.SavingsTarget.amount, m.SavingsTarget.amount_upper).join(
                m.Collaboration, m.SavingsTarget.buyer_collaboration_id == m.Collaboration.id
            )
        ).all()
    targets = {code: (amount, upper) for code, amount, upper in rows}
    assert targets["norfolk-suffolk"] == (Decimal("9800000.00"), None)
    assert targets["ecis"] == (Decimal("3000000.00"), Decimal("4000000.00"))


def test_every_offer_respects_its_price_breaks(db):
    with db.transaction() as s:
        for offer in s.scalars(select(m.Offer)):
            price = offer.ceiling_unit_price
            quantity = 1
            for b in offer.price_breaks:
                assert b.min_quantity > quantity and b.unit_price <= price
                quantity, price = b.min_quantity, b.unit_price
            assert offer.product.supplier in offer.lot.suppliers


def test_loading_again_adds_nothing(db):
    with db.transaction() as s:
        report = load_reference(s)
    assert report.total == 0
    assert db.seed().summary() == "nothing to add: already seeded"


@pytest.fixture
def broken_reference(tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(reference_dir(), folder)
    return folder


def _edit_json(folder, name, change):
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "products.json",
            lambda d: d[2].update(list_price="12.345"),
            r"products.json, record 3, field “list_price”: .*fractions of a penny",
        ),
        (
            "products.json",
            lambda d: d[0].update(supplier="nobody-ltd"),
            r"products.json, record 1, field “supplier”: no supplier has the code “nobody-ltd”",
        ),
        (
            "products.json",
            lambda d: d[1].update(status="favourite"),
            r"products.json, record 2, field “status”: “favourite” is not one of",
        ),
        (
            "frameworks.json",
            lambda d: d[0].update(end_date="31/12/2020"),
            r"frameworks.json, record 1, field “end_date”: '31/12/2020' is not a date",
        ),
        (
            "categories.json",
            lambda d: d[0].update(cpv="99999999-9"),
            r"categories.json, record 1, field “cpv”: “99999999-9” is not a CPV 2008 code",
        ),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(
    new_location, broken_reference, file, change, message
):
    _edit_json(broken_reference, file, change)
    db = open_database(new_location, seed_new=False)
    try:
        with pytest.raises(ReferenceDataError, match=message), db.transaction() as s:
            load_reference(s, broken_reference)
        with db.transaction() as s:
            assert count(s, m.Force) == 0
            assert count(s, m.Product) == 0
    finally:
        db.close()


def test_invalid_json_names_the_line(new_location, broken_reference):
    (broken_reference / "suppliers.json").write_text('[\n {"code": "a",\n')
    db = open_database(new_location, seed_new=False)
    try:
        with pytest.raises(ReferenceDataError, match=r"suppliers.json, line 3: not valid JSON"):
            with db.transaction() as s:
                load_reference(s, broken_reference)
    finally:
        db.close()
