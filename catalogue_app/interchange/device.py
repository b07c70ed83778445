"""This device's own signing key: who signed a checkpoint or a bundle.

The key is an Ed25519 pair created on first use and kept in the user's data
folder (``device-key.pem``, readable by the user only). The device id is the
first 16 hex digits of the SHA-256 of the public key, so it names the key and
cannot be claimed by a device without it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from catalogue_app.domain.errors import CatalogueError
from catalogue_app.paths import fsync_file, fsync_folder, user_data_dir

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# cryptography is imported where a key is used: loading it costs the app's start otherwise
KEY_FILE = "device-key.pem"


class DeviceKeyError(CatalogueError):
    """The device key cannot be read or created."""


def device_id_of(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True)
class DeviceKey:
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_text(self) -> str:
        """The public key as base64 text, as manifests and checkpoints carry it."""
        return base64.b64encode(self.public_bytes).decode("ascii")

    @property
    def device_id(self) -> str:
        return device_id_of(self.public_bytes)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private.sign(data)).decode("ascii")


def verify_signature(public_text: str, signature: str, data: bytes) -> bool:
    """Whether ``signature`` (base64) is the holder of ``public_text``'s over ``data``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_text, validate=True))
        public.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def device_name() -> str:
    """The computer's name, for people reading where a bundle or checkpoint came from."""
    return socket.gethostname() or "this computer"


_loaded: dict[Path, DeviceKey] = {}


def device_key(folder: Path | None = None) -> DeviceKey:
    """This device's key, created (readable by the user only) the first time it is needed."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = folder or user_data_dir()
    path = folder / KEY_FILE
    if path in _loaded:
        return _loaded[path]
    try:
        if not path.exists():
            _create(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise DeviceKeyError(
            f"cannot read or create this device's key {path}: {exc.strerror or exc}"
        ) from None
    except ValueError:
        raise DeviceKeyError(
            f"this device's key {path} is damaged; move it away and a new one will be made "
            "(bundles and checkpoints it signed can then only be checked against a copy of it)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DeviceKeyError(f"{path} is not an Ed25519 device key")
    _loaded[path] = DeviceKey(key)
    return _loaded[path]


def _create(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        fsync_file(temporary)
        with contextlib.suppress(FileExistsError):  # another process made one meanwhile: keep it
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_folder(path.parent)
