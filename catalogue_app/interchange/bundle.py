"""The offline bundle (``.catbundle``): one signed file carrying work between databases.

A bundle is a zip archive of JSON Lines parts and a ``manifest.json`` that says
what the bundle is: its format version, the device and database it came from,
what it contains, the per-origin sequence ranges it carries, the watermarks it
assumes the receiver holds (like git bundle's prerequisites), what its maker
held, and the row count, size and SHA-256 of every part. ``manifest.sig`` is
the Ed25519 signature of the manifest's exact bytes by the maker's device key.

Reading verifies everything before anything is used: the archive, its size
against zip bombs, the format version, the signature against the key the
manifest names (and that key against the device id), and every part's size,
count and hash. A damaged, truncated or tampered bundle is refused whole with
one sentence. The parts are read again, line by line, when they are used; that
second reading is hashed too, so a file changed in between is caught.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.device import DeviceKey, device_id_of, verify_signature

FORMAT = "catalogue-bundle"
VERSION = 1
SUFFIX = ".catbundle"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PARTS = ("tables", "audit", "revisions", "notices")

MAX_MANIFEST = 1024 * 1024  # bytes of manifest.json
MAX_PART = 4 * 1024**3  # bytes a part may unpack to
MAX_RATIO = 200  # how many times its packed size a part may unpack to
MAX_LINE = 64 * 1024 * 1024  # bytes of one line of a part
MAX_ENTRIES = 2 + len(PARTS)
CHUNK = 1024 * 1024


class BundleRefused(CatalogueError):
    """A bundle cannot be used as it is; the sentence says why."""


def part_name(part: str) -> str:
    return f"{part}.jsonl"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a bundle")


def encode(row: Mapping[str, Any]) -> bytes:
    """One JSON Lines line (sorted keys, money and dates as text)."""
    return (
        json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
        + "\n"
    ).encode("utf-8")


@dataclass(frozen=True)
class Manifest:
    """What a bundle says about itself (``data`` is manifest.json as read)."""

    data: dict[str, Any]

    @property
    def bundle_id(self) -> str:
        return str(self.data["bundle_id"])

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def device_id(self) -> str:
        return str(self.data["device"]["id"])

    @property
    def device_name(self) -> str:
        return str(self.data["device"].get("name") or self.device_id)

    @property
    def public_key(self) -> str:
        return str(self.data["device"]["public_key"])

    @property
    def database_id(self) -> str:
        return str(self.data["database"]["id"])

    @property
    def made_at(self) -> datetime:
        return datetime.fromisoformat(str(self.data["made_at"]))

    @property
    def buyer(self) -> str | None:
        value = self.data.get("buyer")
        return str(value) if value else None

    @property
    def assumes(self) -> dict[str, dict[str, int]]:
        return _watermark(self.data.get("assumes"))

    @property
    def holds(self) -> dict[str, dict[str, int]]:
        return _watermark(self.data.get("holds"))

    def rows(self, part: str) -> int:
        entry = self.data["contents"].get(part)
        return int(entry["rows"]) if entry else 0


def _watermark(value: Any) -> dict[str, dict[str, int]]:
    value = value if isinstance(value, dict) else {}
    return {
        kind: {str(k): int(v) for k, v in (value.get(kind) or {}).items()}
        for kind in ("revisions", "audit")
    }


class _PartWriter:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.rows = 0
        self.bytes = 0

    def write(self, row: Mapping[str, Any]) -> None:
        line = encode(row)
        self.handle.write(line)
        self.digest.update(line)
        self.rows += 1
        self.bytes += len(line)


class BundleWriter:
    """Writes the parts of a bundle into ``path`` (a temporary file the atomic writer
    renames into place), then the manifest and its signature."""

    def __init__(self, path: Path) -> None:
        self.archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5)
        self.contents: dict[str, dict[str, Any]] = {}

    @contextmanager
    def part(self, part: str) -> Iterator[_PartWriter]:
        if part not in PARTS:
            raise ValueError(f"unknown bundle part {part}")
        with self.archive.open(part_name(part), "w", force_zip64=True) as handle:
            writer = _PartWriter(handle)
            yield writer
        self.contents[part] = {
            "rows": writer.rows,
            "bytes": writer.bytes,
            "sha256": writer.digest.hexdigest(),
        }

    def finish(self, manifest: Mapping[str, Any], key: DeviceKey) -> Manifest:
        data = {
            **manifest,
            "format": FORMAT,
            "version": VERSION,
            "device": {
                **manifest.get("device", {}),
                "id": key.device_id,
                "public_key": key.public_text,
            },
            "contents": self.contents,
        }
        raw = json.dumps(data, sort_keys=True, indent=1, default=_plain).encode("utf-8")
        self.archive.writestr(MANIFEST, raw)
        self.archive.writestr(SIGNATURE, key.sign(raw))
        self.archive.close()
        return Manifest(json.loads(raw))

    def abandon(self) -> None:
        self.archive.close()


class BundleReader:
    """An open bundle, verified whole as it is opened (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        try:
            self.archive = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise BundleRefused(f"{self.path} does not exist") from None
        except IsADirectoryError:
            raise BundleRefused(f"{self.path} is a folder, not a bundle") from None
        except OSError as exc:
            raise BundleRefused(f"cannot read {self.path}: {exc.strerror or exc}") from None
        except (zipfile.BadZipFile, EOFError, ValueError):
            raise self._damaged(
                "it is not a complete bundle (the archive cannot be read)"
            ) from None
        try:
            self.manifest = self._verify()
        except BaseException:
            self.archive.close()
            raise

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _damaged(self, why: str) -> BundleRefused:
        return BundleRefused(f"{self.name} was refused and nothing was changed: {why}")

    def _verify(self) -> Manifest:
        entries = {info.filename: info for info in self.archive.infolist()}
        if len(entries) > MAX_ENTRIES:
            raise self._damaged(
                f"it holds {len(entries)} files where a bundle holds at most {MAX_ENTRIES}"
            )
        for name in (MANIFEST, SIGNATURE):
            if name not in entries:
                raise self._damaged(f"its {name} is missing")
        if entries[MANIFEST].file_size > MAX_MANIFEST or entries[SIGNATURE].file_size > 1024:
            raise self._damaged("its manifest is far larger than any bundle's")
        raw = self._read_small(MANIFEST)
        signature = self._read_small(SIGNATURE).decode("ascii", "replace").strip()
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self._damaged("its manifest is not readable JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise self._damaged("it is not a catalogue bundle")
        version = data.get("version")
        if not isinstance(version, int):
            raise self._damaged("its manifest names no format version")
        if version > VERSION:
            raise BundleRefused(
                f"{self.name} was made by a newer version of the app (bundle format {version}; "
                f"this one reads up to {VERSION}); update the app to merge it, nothing was changed"
            )
        try:
            manifest = Manifest(data)
            public, device = manifest.public_key, manifest.device_id
            contents = data["contents"]
            manifest.made_at  # noqa: B018  (read now so a bad date is refused here)
            if device_id_of(base64.b64decode(public, validate=True)) != device:
                raise self._damaged("the device it names does not match the key that signed it")
        except (KeyError, TypeError, ValueError, AttributeError):
            raise self._damaged("its manifest is incomplete") from None
        if not verify_signature(public, signature, raw):
            raise self._damaged("its signature does not match its contents: it was changed")
        if not isinstance(contents, dict) or set(contents) - set(PARTS):
            raise self._damaged("its manifest lists parts no bundle has")
        for part, entry in contents.items():
            info = entries.get(part_name(part))
            if info is None:
                raise self._damaged(f"its {part} part is missing")
            if info.file_size != entry.get("bytes") or info.file_size > MAX_PART:
                raise self._damaged(f"its {part} part is not the size its manifest states")
            if info.file_size > max(info.compress_size, 1) * MAX_RATIO + 4096:
                raise self._damaged(f"its {part} part unpacks to far more than any bundle's would")
        for part, entry in contents.items():
            for _row in self._rows(part, entry, check_only=True):
                pass
        return manifest

    def _read_small(self, name: str) -> bytes:
        try:
            return self.archive.read(name)
        except (
            zipfile.BadZipFile,
            EOFError,
            OSError,
            ValueError,
            zipfile.LargeZipFile,
            zlib.error,
        ):
            raise self._damaged(f"its {name} cannot be read") from None

    def rows(self, part: str) -> Iterator[dict[str, Any]]:
        """Each row of ``part`` in order (none when the bundle has no such part); after the
        last one the part's count and hash are checked again, so a file changed since the
        bundle was opened is refused."""
        entry = self.manifest.data["contents"].get(part)
        if entry is not None:
            yield from self._rows(part, entry, check_only=False)

    def _rows(
        self, part: str, entry: Mapping[str, Any], *, check_only: bool
    ) -> Iterator[dict[str, Any]]:
        digest, rows, size = hashlib.sha256(), 0, 0
        try:
            with self.archive.open(part_name(part)) as handle:
                rest = b""
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    if size > MAX_PART:
                        raise self._damaged(f"its {part} part unpacks to more than any bundle's")
                    lines = (rest + chunk).split(b"\n")
                    rest = lines.pop()
                    if len(rest) > MAX_LINE:
                        raise self._damaged(f"its {part} part has a line far longer than any row")
                    rows += len(lines)
                    if check_only:
                        continue
                    for n, line in enumerate(lines, start=rows - len(lines) + 1):
                        try:
                            yield json.loads(line)
                        except (UnicodeDecodeError, json.JSONDecodeError):
                            raise self._damaged(
                                f"line {n:,} of its {part} part is not JSON"
                            ) from None
                if rest:
                    raise self._damaged(f"its {part} part ends in the middle of a line")
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
            if isinstance(exc, BundleRefused):
                raise
            raise self._damaged(f"its {part} part is damaged and cannot be unpacked") from None
        if (
            digest.hexdigest() != entry.get("sha256")
            or rows != entry.get("rows")
            or size != entry.get("bytes")
        ):
            raise self._damaged(f"its {part} part does not match its manifest: it was changed")
