"""Hostile and damaged files fed to the importer: one sentence each, the ledger untouched.

Each case once ended in "an unexpected error" with no row named, or took
seconds and gigabytes: a CSV value over the csv module's field limit, random
bytes named .xlsx, a "billion laughs" workbook, a 1 MB zip bomb unpacking to
1 GiB, and numbers far out of bounds.
"""

import struct
import zipfile
import zlib
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from catalogue_app.db import models as m
from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.purchases import MAX_XLSX_UNPACKED
from catalogue_app.services.ledger import ImportRejected, PurchaseService

TODAY = date(2026, 11, 23)
MIB = 2**20
HEADER = ["order_reference", "buyer", "product", "quantity", "order_date", "notes"]


def ledger_dump(db):
    """Every row of the tables an import writes, in a fixed order."""
    with db.reading() as s:
        return [
            s.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in (m.Purchase.__table__, m.PurchaseShare.__table__, m.AuditEvent.__table__)
        ]


def workbook(path: Path, rows) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip archive of already deflated members: (name, raw deflate data, CRC-32, size)."""
    local, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0,
            len(local),
        ) + encoded  # fmt: skip
        local += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0
        ) + encoded + data  # fmt: skip
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(central), len(local), 0)  # fmt: skip
    path.write_bytes(bytes(local + central) + end)
    return path


def deflated(data: bytes) -> tuple[bytes, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def zeros_deflated(mebibytes: int) -> tuple[bytes, int, int]:
    """``mebibytes`` MiB of zero bytes, deflated without ever holding them: after a full
    flush the compressor starts afresh, so every MiB deflates to the same bytes."""
    block = bytes(MIB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    once = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return once * mebibytes + packer.flush(), crc, mebibytes * MIB


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A workbook of 1 MB whose worksheet unpacks to 1 GiB."""
    folder = tmp_path_factory.mktemp("bomb")
    real = workbook(folder / "real.xlsx", [HEADER, ["B/1", "norfolk", "ATHENA", 1, "2025-06-01"]])
    with zipfile.ZipFile(real) as archive:
        members = [
            (name, *zeros_deflated(1024))
            if name == "xl/worksheets/sheet1.xml"
            else (name, *deflated(archive.read(name)))
            for name in archive.namelist()
        ]
    return write_zip(folder / "bomb.xlsx", members)


def refused(db, path: Path) -> str:
    before = ledger_dump(db)
    with pytest.raises(CatalogueError) as info:
        PurchaseService(db).import_file(path, "officer", today=TODAY)
    assert ledger_dump(db) == before
    return str(info.value)


def test_the_zip_bomb_is_real_and_refused_from_its_directory(db, zip_bomb):
    assert zip_bomb.stat().st_size < 1.1 * MIB
    with zipfile.ZipFile(zip_bomb) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
        with archive.open("xl/worksheets/sheet1.xml") as sheet:
            assert sheet.read(MIB) == bytes(MIB)  # it really unpacks: zeros, and more of them
    assert unpacked > 1024 * MIB > MAX_XLSX_UNPACKED
    assert refused(db, zip_bomb) == (
        "bomb.xlsx unpacks to 1,024 MB, more than the 200 MB an import may read; split it "
        "into smaller files"
    )


ENTITIES = "\n".join(
    ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
)  # &lol9; is 10^9 times "lol"


@pytest.mark.parametrize(
    ("part", "root", "expands"),
    [
        ("xl/workbook.xml", "workbook", 'name="Sheet"'),  # read as the workbook opens
        ("xl/worksheets/sheet1.xml", "worksheet", ">L/1<"),  # read row by row
    ],
)
def test_a_billion_laughs_workbook_is_refused(db, tmp_path, part, root, expands):
    real = workbook(tmp_path / "real.xlsx", [HEADER, ["L/1", "norfolk", "ATHENA", 1]])
    with zipfile.ZipFile(real) as archive:
        parts = {name: archive.read(name).decode() for name in archive.namelist()}
    assert expands in parts[part]
    body = parts[part].split("?>", 1)[-1]  # after the XML declaration, if there is one
    laughing = expands.replace("Sheet", "&lol9;").replace("L/1", "&lol9;")
    parts[part] = f"<!DOCTYPE {root} [\n{ENTITIES}\n]>\n" + body.replace(expands, laughing)
    laughs = write_zip(
        tmp_path / "laughs.xlsx", [(n, *deflated(d.encode())) for n, d in parts.items()]
    )
    assert refused(db, laughs) == (
        "laughs.xlsx declares XML entities, which an import refuses (a workbook saved by a "
        "spreadsheet program never needs them); save it again as .xlsx"
    )


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x00\x01 not a workbook" * 10, "it is not a zip archive, as .xlsx files are"),
        (b"PK\x03\x04" + bytes(200), "it is not a zip archive, as .xlsx files are"),
        (None, "it is damaged or was not saved by a spreadsheet program"),
    ],
)
def test_a_file_named_xlsx_that_is_not_a_workbook(db, tmp_path, content, why):
    path = tmp_path / "orders.xlsx"
    if content is None:  # a zip archive, but of something else
        write_zip(path, [("readme.txt", *deflated(b"hello"))])
    else:
        path.write_bytes(content)
    assert refused(db, path) == f"orders.xlsx is not an Excel workbook: {why}"


def test_a_truncated_workbook_is_not_a_workbook(db, tmp_path):
    real = workbook(tmp_path / "whole.xlsx", [HEADER, ["T/1", "norfolk", "ATHENA", 1]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(real.read_bytes()[:-200])
    assert refused(db, cut).startswith("cut.xlsx is not an Excel workbook")


def test_a_csv_value_over_the_field_limit_names_its_row(db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        ",".join(HEADER) + "\nL/1,norfolk,ATHENA,1,2025-06-01,ok\n"
        "L/2,norfolk,ATHENA,1,2025-06-01," + "x" * 200_000 + "\n"
    )
    assert refused(db, path).startswith(
        "long.csv, row 3 holds a value longer than 131,072 characters"
    )


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("unit_price", "1e308", "unit_price “1e308” is written with an exponent"),
        ("unit_price", "100000000000000000", "is more than the largest allowed, £1,000,000,000"),
        ("quantity", "100000000000000000000000", "is more than the largest allowed, 10,000,000"),
        ("quantity", "²", "contains “²”, which is not one of the digits 0 to 9"),
    ],
)
def test_numbers_far_out_of_bounds_are_row_errors(db, tmp_path, column, value, reason):
    values = {
        "order_reference": "O/1",
        "buyer": "norfolk",
        "product": "ATHENA",
        "quantity": "1",
        "order_date": "2025-06-01",
        "unit_price": "",
    }
    values[column] = value
    path = tmp_path / "bounds.csv"
    path.write_text(",".join(values) + "\n" + ",".join(values.values()) + "\n", encoding="utf-8")
    before = ledger_dump(db)
    with pytest.raises(ImportRejected) as info:
        PurchaseService(db).import_file(path, "officer", today=TODAY)
    (error,) = info.value.errors
    assert (error.row, error.column) == (2, column) and reason in error.reason
    assert ledger_dump(db) == before
