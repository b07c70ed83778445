"""The audit checkpoint file: the audit chains' heads at a moment, signed by this device.

A checkpoint is kept away from the database (printed, mailed to the auditor,
stored elsewhere). ``audit verify --since FILE`` then proves that every event
the checkpoint covered is still there unchanged, even if someone with database
access rewrote a whole chain and recomputed its hashes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.interchange.device import DeviceKey, verify_signature

FORMAT = "catalogue-app audit checkpoint"
VERSION = 1
MAX_BYTES = 16 * 1024 * 1024


class CheckpointError(CatalogueError):
    """A checkpoint file that cannot be trusted or read."""


@dataclass(frozen=True)
class Checkpoint:
    database: str
    made_at: str
    events: int
    chains: dict[str, tuple[int, str]]  # chain → (seq, hash) of its last event
    device: str = ""
    public_key: str = ""
    signature: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "database": self.database,
            "made_at": self.made_at,
            "events": self.events,
            "chains": {c: {"seq": s, "hash": h} for c, (s, h) in sorted(self.chains.items())},
            "device": self.device,
            "public_key": self.public_key,
        }


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(checkpoint: Checkpoint, key: DeviceKey) -> Checkpoint:
    unsigned = Checkpoint(
        checkpoint.database,
        checkpoint.made_at,
        checkpoint.events,
        checkpoint.chains,
        key.device_id,
        key.public_text,
    )
    return Checkpoint(
        unsigned.database,
        unsigned.made_at,
        unsigned.events,
        unsigned.chains,
        unsigned.device,
        unsigned.public_key,
        key.sign(_signed_bytes(unsigned.body())),
    )


def checkpoint_text(checkpoint: Checkpoint) -> str:
    """The checkpoint file's contents (write them through the atomic writer)."""
    document = {**checkpoint.body(), "signature": checkpoint.signature}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint whose signature holds, or :class:`CheckpointError` with a sentence."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CheckpointError(f"{path} is too large to be an audit checkpoint")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is not an audit checkpoint (it is not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an audit checkpoint")
    if document.get("version") != VERSION:
        raise CheckpointError(
            f"{path} is a checkpoint of format version {document.get('version')}; "
            f"this version of catalogue-app reads version {VERSION}"
        )
    signature = document.pop("signature", "")
    try:
        chains = {
            str(name): (int(head["seq"]), str(head["hash"]))
            for name, head in dict(document["chains"]).items()
        }
        checkpoint = Checkpoint(
            str(document["database"]),
            str(document["made_at"]),
            int(document["events"]),
            chains,
            str(document["device"]),
            str(document["public_key"]),
            str(signature),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CheckpointError(f"{path} is a damaged audit checkpoint: a field is missing") from None
    if not verify_signature(
        checkpoint.public_key, checkpoint.signature, _signed_bytes(checkpoint.body())
    ):
        raise CheckpointError(
            f"{path} was changed after it was signed (its signature does not match); "
            "it cannot be used to check the audit trail"
        )
    return checkpoint
