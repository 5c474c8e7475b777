"""Where the bytes of uploaded documents live: a small interface and a local-folder store.

The database keeps each document's facts and its `key`; the store keeps the bytes under that
key. `save` reads a stream in chunks (never the whole file in memory), counting its size and
SHA-256 as it goes, and stops at `max_bytes`. The app uses the store named by the
DOCUMENT_STORAGE setting: a folder path (a `LocalStorage`; several servers share it through a
network mount), or any object with the same three methods (an object store), given to
`create_app(config)`. See docs/deploy.md.
"""

import hashlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

from flask import current_app

CHUNK = 256 * 1024


class Stored(NamedTuple):
    key: str
    size: int
    sha256: str


class TooBig(Exception):
    """The stream was longer than `max_bytes`; nothing was kept."""


class Storage(Protocol):
    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> Stored:
        """Keep the stream's bytes under a new random key; raise TooBig (keeping nothing) past
        `max_bytes`."""

    def open(self, key: str) -> BinaryIO:
        """The bytes kept under `key`, to read (the caller closes it)."""

    def delete(self, key: str) -> None:
        """Forget `key` (a refused upload's bytes); a missing key is no error."""


def new_key() -> str:
    """A random name: 128 bits, hex. It says nothing of the file or its owner."""
    return secrets.token_hex(16)


class LocalStorage:
    """Files in one folder, two levels of fan-out by the key's first characters. A file is
    written under a temporary name and renamed when complete, so a reader never sees half."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise KeyError(key)  # keys are ours; anything else never reaches the file system
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> Stored:
        key = new_key()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(key + ".partial")
        digest, size = hashlib.sha256(), 0
        try:
            with open(partial, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooBig
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return Stored(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """The app's document store (DOCUMENT_STORAGE), made once."""
    found = current_app.extensions.get("grants.storage")
    if found is None:
        setting = current_app.config["DOCUMENT_STORAGE"]
        found = LocalStorage(setting) if isinstance(setting, str | os.PathLike) else setting
        current_app.extensions["grants.storage"] = found
    return found
