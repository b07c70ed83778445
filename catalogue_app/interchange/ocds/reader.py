"""Reading OCDS files of every shape real feeds publish, streamed.

A path is a release package, a record package, a single release, a JSON array
of releases, JSON Lines (one release or package per line), a folder of any of
these, or any of them gzipped. :func:`read_path` tells which and yields each
release with where it came from; big files are streamed with ijson, never
loaded whole.

Real files break JSON in a few known ways: ``NaN`` and ``Infinity``, numbers
written with leading zeros (``"amount": 000``), text that is not UTF-8 although
JSON must be. A quick scan of the bytes finds files that may hold these; only
those are read through :func:`_tolerant_chunks`, which rewrites each bad token
into a marked string that :mod:`.releases` turns back into a warning on its
release. Clean files go straight to the C parser.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

import ijson  # type: ignore[import-untyped]

from catalogue_app.domain.errors import CatalogueError

CHUNK = 1 << 20
HEAD = 1 << 16
MARK = "\x00"  # marked strings start with it; no real text does
SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")

# Bytes that may need the tolerant reader (a false alarm inside a string only costs speed).
_SUSPECT = re.compile(rb'NaN|Infinity|"\s*:\s*-?0\d|\[\s*-?0\d')
_TOKENS = re.compile(
    rb'"(?:[^"\\]|\\.)*"|(?<![\w.])(?:-?Infinity|NaN|-?0\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])'
)
_STRUCTURE = re.compile(rb"[,:\[\]{}\s]")


class NotOcdsError(CatalogueError):
    """A file that is not OCDS at all (or not JSON); nothing of it is imported."""


@dataclass
class FileInfo:
    """What a file says about itself, and what went wrong with the file as a whole."""

    path: Path
    shape: str = ""  # release package, record package, release, releases, JSON Lines
    publisher: str | None = None
    uri: str | None = None
    warnings: list[str] = field(default_factory=list)  # apply to every release of the file
    notes: list[str] = field(default_factory=list)  # about the file alone (no release to carry)
    marked: bool = False  # read tolerantly: releases may hold marked tokens


@dataclass
class RawRelease:
    """One release as published, with its place in the file."""

    data: dict[str, Any]
    position: int  # 1-based, in the file
    publisher: str | None
    warnings: list[str]


def files_under(path: Path) -> list[Path]:
    """``path`` itself, or the OCDS files in a folder (and its subfolders), in name order."""
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES)
        )
    if not path.exists():
        raise CatalogueError(f"There is no file or folder at {path}.")
    return [path]


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


@dataclass
class _Scan:
    suspect: bool = False
    utf8: bool = True
    bom: str = ""  # "utf-8", "utf-16", or ""


def _scan(path: Path) -> _Scan:
    """One quick pass over the bytes: BOM, UTF-8 validity, tokens JSON forbids."""
    scan = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8")()
    tail = b""
    with _open(path) as raw:
        first = True
        while chunk := raw.read(CHUNK):
            if first:
                if chunk.startswith(codecs.BOM_UTF8):
                    scan.bom, chunk = "utf-8", chunk[3:]
                elif chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    scan.bom = "utf-16"
                    return scan
                first = False
            if scan.utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    scan.utf8 = False
            if not scan.suspect and _SUSPECT.search(tail + chunk):
                scan.suspect = True
            tail = chunk[-16:]
    return scan


class _Transcoded(io.RawIOBase):
    """A byte stream re-encoded to UTF-8 from another text encoding."""

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        self._text = io.TextIOWrapper(raw, encoding=encoding, errors="replace")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._text.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            text = self._text.read(CHUNK // 4)
            if not text:
                break
            self._pending += text.encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _marked(token: bytes) -> bytes:
    return json.dumps(MARK + token.decode("ascii")).encode("ascii")


def _fix(buffer: bytes) -> tuple[bytes, bytes]:
    """Mark the bad tokens of ``buffer``; return what is safe to parse and what to carry."""
    out: list[bytes] = []
    end = 0
    for match in _TOKENS.finditer(buffer):
        token = match.group()
        out.append(buffer[end : match.start()])
        out.append(token if token.startswith(b'"') else _marked(token))
        end = match.end()
    rest = buffer[end:]
    quote = rest.find(b'"')
    if quote >= 0:  # a string that goes on in the next chunk
        cut = quote
    else:  # a number that may go on: keep the tail after the last structural byte
        last = max((m.end() for m in _STRUCTURE.finditer(rest)), default=0)
        cut = last
    out.append(rest[:cut])
    return b"".join(out), rest[cut:]


class _Tolerant(io.RawIOBase):
    """A byte stream with every token JSON forbids turned into a marked string."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._carry = b""
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer) and not self._done:
            chunk = self._raw.read(CHUNK)
            if not chunk:
                self._done = True
                fixed, rest = _fix(self._carry)
                self._pending += fixed + rest
                self._carry = b""
            else:
                fixed, self._carry = _fix(self._carry + chunk)
                self._pending += fixed
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _stream(path: Path, scan: _Scan, info: FileInfo) -> io.BufferedReader:
    """The file's bytes as clean UTF-8 JSON (marked tokens included), BOM removed."""
    raw: IO[bytes] = _open(path)
    if scan.bom == "utf-16":
        raw = io.BufferedReader(_Transcoded(raw, "utf-16"))
    elif scan.bom == "utf-8":
        raw.read(3)
    elif not scan.utf8:
        info.warnings.append(
            "the file is not UTF-8 as JSON requires; its text was read as Windows-1252"
        )
        raw = io.BufferedReader(_Transcoded(raw, "cp1252"))
    if scan.suspect:
        info.marked = True
        raw = io.BufferedReader(_Tolerant(raw))
    return io.BufferedReader(raw, HEAD)  # type: ignore[arg-type]


def _first_bytes(stream: io.BufferedReader) -> bytes:
    return stream.peek(HEAD)[:HEAD].lstrip()


def _is_json_lines(head: bytes) -> bool:
    """Whether the text starts with a whole JSON object on its own line, then another."""
    lines = [line for line in head.split(b"\n") if line.strip()]
    if len(lines) < 2 or not lines[0].lstrip().startswith(b"{"):
        return False
    try:
        json.loads(lines[0])
    except ValueError:
        return False
    return lines[1].lstrip().startswith(b"{")


def _not_ocds(path: Path, why: str) -> NotOcdsError:
    return NotOcdsError(f"The file {path.name} is not OCDS ({why}), so nothing of it was imported")


def read_file(path: Path, info: FileInfo) -> Iterator[RawRelease]:
    """Every release in one file, streamed; ``info`` learns the file's shape and publisher.

    Raises :class:`NotOcdsError` before yielding anything when the file is not OCDS.
    """
    scan = _scan(path)
    with _stream(path, scan, info) as buffered:
        head = _first_bytes(buffered)
        if not head:
            raise _not_ocds(path, "it is empty")
        if _is_json_lines(head):
            info.shape = "JSON Lines"
            yield from _json_lines(path, buffered, info)
            return
        if head.startswith(b"["):
            info.shape = "list of releases"
            yield from _numbered(path, ijson.items(buffered, "item", use_float=False), info)
            return
        if not head.startswith(b"{"):
            raise _not_ocds(path, "it is not JSON")
        yield from _object(path, buffered, head, info)


def _object(path: Path, stream: IO[bytes], head: bytes, info: FileInfo) -> Iterator[RawRelease]:
    releases_at = re.search(rb'"releases"\s*:\s*\[', head)
    records_at = re.search(rb'"records"\s*:\s*\[', head)
    if releases_at and (not records_at or releases_at.start() < records_at.start()):
        info.shape = "release package"
        _package_head(head[: releases_at.start()], info)
        yield from _numbered(path, ijson.items(stream, "releases.item", use_float=False), info)
        return
    if records_at:
        info.shape = "record package"
        _package_head(head[: records_at.start()], info)
        yield from _records(path, ijson.items(stream, "records.item", use_float=False), info)
        return
    # Small objects: a single release, or a package whose list comes after a long header.
    try:
        whole = next(ijson.items(stream, "", use_float=False))
    except (ijson.JSONError, StopIteration) as exc:
        raise _not_ocds(path, "it is not valid JSON") from exc
    yield from _from_object(path, whole, info)


def _from_object(path: Path, whole: Any, info: FileInfo) -> Iterator[RawRelease]:
    if not isinstance(whole, dict):
        raise _not_ocds(path, "it is not a JSON object")
    _package_meta(whole, info)
    if isinstance(whole.get("releases"), list):
        info.shape = info.shape or "release package"
        yield from _numbered(path, iter(whole["releases"]), info)
    elif isinstance(whole.get("records"), list):
        info.shape = info.shape or "record package"
        yield from _records(path, iter(whole["records"]), info)
    elif "ocid" in whole:
        info.shape = info.shape or "release"
        yield from _numbered(path, iter([whole]), info)
    elif _looks_like_package(whole):
        info.shape = info.shape or "package"
        info.notes.append("the package has no releases or records")
    else:
        raise _not_ocds(path, "it has no releases, records or ocid")


def _looks_like_package(obj: dict[str, Any]) -> bool:
    keys = {"uri", "publishedDate", "publisher", "version", "extensions", "license"}
    return len(keys & obj.keys()) >= 2


def _package_head(text: bytes, info: FileInfo) -> None:
    """The package's fields before its list, when they parse on their own."""
    try:
        text = text.rstrip().rstrip(b",") + b"}"
        meta = json.loads(text.decode("utf-8", "replace"), parse_float=Decimal)
    except ValueError:
        return
    if isinstance(meta, dict):
        _package_meta(meta, info)


def _package_meta(meta: dict[str, Any], info: FileInfo) -> None:
    publisher = meta.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        info.publisher = publisher["name"]
    elif isinstance(publisher, str):
        info.publisher = publisher
    if isinstance(meta.get("uri"), str):
        info.uri = meta["uri"]


def _numbered(path: Path, items: Iterator[Any], info: FileInfo) -> Iterator[RawRelease]:
    position = 0
    try:
        for item in items:
            position += 1
            yield _release(item, position, info)
    except ijson.JSONError as exc:
        if position == 0:
            raise _not_ocds(path, "it is not valid JSON") from exc
        raise CatalogueError(
            f"The file {path.name} breaks off after release {position:,} (the JSON is cut "
            "short or damaged), so nothing of it was imported"
        ) from exc


def _release(item: Any, position: int, info: FileInfo) -> RawRelease:
    warnings = list(info.warnings)
    if not isinstance(item, dict):
        warnings.append("the release is not a JSON object")
        item = {"value": item}
    elif isinstance(item.get("publisher"), dict):
        name = item["publisher"].get("name")
        return RawRelease(
            item, position, name if isinstance(name, str) else info.publisher, warnings
        )
    return RawRelease(item, position, info.publisher, warnings)


def _records(path: Path, records: Iterator[Any], info: FileInfo) -> Iterator[RawRelease]:
    """A record's full releases; a record that only links to them gives its compiled release."""
    position = 0
    try:
        for record in records:
            if not isinstance(record, dict):
                continue
            full = [
                r
                for r in record.get("releases") or []
                if isinstance(r, dict) and ("ocid" in r or "tender" in r or "awards" in r)
            ]
            compiled = record.get("compiledRelease")
            if not full and isinstance(compiled, dict):
                position += 1
                raw = _release(compiled, position, info)
                raw.warnings.append(
                    "the record links to its releases instead of including them; "
                    "its compiled release was imported"
                )
                yield raw
                continue
            for release in full:
                position += 1
                release.setdefault("ocid", record.get("ocid"))
                yield _release(release, position, info)
    except ijson.JSONError as exc:
        if position == 0:
            raise _not_ocds(path, "it is not valid JSON") from exc
        raise CatalogueError(
            f"The file {path.name} breaks off after release {position:,}, "
            "so nothing of it was imported"
        ) from exc


def _constant(name: str) -> str:
    return MARK + name


def _json_lines(path: Path, stream: IO[bytes], info: FileInfo) -> Iterator[RawRelease]:
    """One release, release package or record package per line."""
    info.marked = True
    position = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_float=Decimal, parse_constant=_constant)
        except ValueError:
            fixed, rest = _fix(line)
            try:
                obj = json.loads(fixed + rest, parse_float=Decimal, parse_constant=_constant)
            except ValueError:
                info.notes.append(f"line {number:,} is not JSON and was skipped")
                continue
        if isinstance(obj, dict) and isinstance(obj.get("releases"), list):
            _package_meta(obj, info)
            for release in obj["releases"]:
                position += 1
                yield _release(release, position, info)
        elif isinstance(obj, dict) and isinstance(obj.get("records"), list):
            _package_meta(obj, info)
            for raw in _records(path, iter(obj["records"]), info):
                position += 1
                raw.position = position
                yield raw
        elif isinstance(obj, dict) and "ocid" in obj:
            position += 1
            yield _release(obj, position, info)
        elif position == 0 and number == 1:
            raise _not_ocds(path, "its first line is not a release or a package")
        else:
            info.notes.append(f"line {number:,} is not a release or a package and was skipped")
