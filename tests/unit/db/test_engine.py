import pytest

from catalogue_app.db.engine import describe, resolve_database_url
from catalogue_app.domain.errors import DatabaseError
from catalogue_app.paths import default_database_path


def test_default_is_the_embedded_file_in_the_user_data_folder(monkeypatch):
    monkeypatch.delenv("CATALOGUE_DATABASE_URL", raising=False)
    url = resolve_database_url(None)
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(default_database_path())


def test_environment_variable_chooses_the_database(monkeypatch, tmp_path):
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", "postgresql://alice:secret@db.example/catalogue")
    url = resolve_database_url(None)
    assert url.drivername == "postgresql+psycopg"
    assert "secret" not in describe(url)
    assert resolve_database_url(str(tmp_path / "x.sqlite")).database == str(tmp_path / "x.sqlite")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://root@localhost/x", "“mysql” is not supported"),
        ("oracle+cx://x", "not supported"),
        ("   ", "empty"),
        ("://nothing", "neither a database URL nor a file path"),
    ],
)
def test_bad_database_values_are_named(value, message):
    with pytest.raises(DatabaseError, match=message):
        resolve_database_url(value)


def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(DatabaseError, match="is a folder"):
        resolve_database_url(str(tmp_path))
