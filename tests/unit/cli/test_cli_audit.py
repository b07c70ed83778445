"""``audit verify`` and ``audit checkpoint`` from the command line."""

import io
import json

from sqlalchemy import create_engine, text

from catalogue_app import cli

ADD = [
    "purchases",
    "add",
    "--buyer",
    "kent",
    "--product",
    "ATHENA",
    "--quantity",
    "40",
    "--date",
    "2026-05-01",
    "--order-ref",
    "KENT/AUDIT/1",
    "--off-framework",
]


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_verify_checkpoint_then_a_rewrite_is_named(db_location, tmp_path, capsys):
    assert run("--database", db_location, *ADD)[0] == 0
    code, out = run("--database", db_location, "audit", "verify")
    assert code == 0, capsys.readouterr().err
    assert "The audit trail is intact." in out
    checkpoint = tmp_path / "trail.json"
    code, out = run("--database", db_location, "audit", "checkpoint", "--out", str(checkpoint))
    assert code == 0 and "signed by device" in out
    code, out = run(
        "--database", db_location, "audit", "verify", "--since", str(checkpoint), "--format", "json"
    )
    assert code == 0 and json.loads(out)["ok"] is True

    engine = create_engine(db_location)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE audit_events SET actor = 'nobody' WHERE entity_type = 'purchase'")
            )
    finally:
        engine.dispose()
    code, out = run("--database", db_location, "audit", "verify")
    assert code == 1
    assert "BROKEN: event 1 of chain" in out
    assert "The audit trail does not verify: event 1 of chain" in capsys.readouterr().err


def test_a_tampered_checkpoint_is_refused(db_location, tmp_path, capsys):
    checkpoint = tmp_path / "trail.json"
    assert run("--database", db_location, "audit", "checkpoint", "--out", str(checkpoint))[0] == 0
    checkpoint.write_text(checkpoint.read_text().replace('"events": ', '"events": 1'))
    code, _ = run("--database", db_location, "audit", "verify", "--since", str(checkpoint))
    assert code == 1
    assert "changed after it was signed" in capsys.readouterr().err
