"""Output files are written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["check_writable", "write_atomically"]


def _umask() -> int:
    # No call reads the umask without setting it; set it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary_beside(target: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)


def check_writable(path: str | Path) -> None:
    """Raise OSError (naming `path`) unless a file can be written there: before any paid work.

    Creates and removes a temporary file beside it, since permission bits alone do not tell
    (a read-only mount, or root, which `os.access` always answers yes for).
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    if not target.parent.is_dir():
        raise FileNotFoundError(2, f"no such directory {str(target.parent)!r}", str(path))
    try:
        descriptor, temporary = _temporary_beside(target)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None
    os.close(descriptor)
    os.unlink(temporary)


def write_atomically(path: str | Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    A crash or Ctrl-C leaves either the old file or the new one, never a truncated mix. The file
    gets the permissions `open()` would give it: an existing file's mode, or 0666 less the umask
    (a temporary file alone would be 0600, unreadable to a web server or a colleague).
    """
    target = Path(path)
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        descriptor, temporary = _temporary_beside(target)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise type(error)(error.errno, error.strerror, str(path)) from error
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
