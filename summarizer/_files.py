"""Output files: every output of a run written whole, or none of them replaced.

Where an output goes decides how it is written:

- a regular file (or a name not yet taken) is written to a temporary file beside it, and renamed
  over it once every output of the run has been written, so a full disk, a crash or Ctrl-C
  leaves yesterday's files as they were. A symbolic link is followed: the file it points to is
  replaced and the link stays. The file keeps its mode (and, for root, its owner);
- a character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe), or any path through
  `/dev` or `/proc`, is written through, as a shell's `>` would: never renamed over, so
  `-o /dev/null` leaves `/dev/null` a device, and `-o /dev/stdout` appends to whatever the shell
  opened. These are written after the files are staged and before they are renamed;
- `-` is standard output.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ._errors import InputError

__all__ = ["check_writable", "read_json", "same_output", "write_atomically", "write_outputs"]

_THROUGH_PREFIXES = ("/dev/", "/proc/")
_MAX_LINKS = 40  # as the kernel's own limit on a chain of symbolic links


def _umask() -> int:
    # No call reads the umask without setting it; set it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _named(error: OSError, path: str | Path) -> OSError:
    """The same error, naming the path the user gave rather than a temporary file."""
    return type(error)(error.errno, error.strerror, str(path))


def _link_chain(path: str | Path) -> list[str]:
    """`path` made absolute, then each symbolic link it leads through, in order."""
    chain = [os.path.abspath(path)]
    current = chain[0]
    for _ in range(_MAX_LINKS):
        try:
            target = os.readlink(current)
        except OSError:  # not a link, or not there yet
            break
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
        chain.append(current)
    chain.append(os.path.realpath(path))
    return chain


def _written_through(path: str | Path) -> bool:
    """A device, a FIFO, or a path through /dev or /proc: opened and written, never renamed over."""
    if str(path) == "-":
        return True
    if any(step.startswith(_THROUGH_PREFIXES) for step in _link_chain(path)):
        return True
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not stat.S_ISREG(mode)


def _refuse_unwritable_kind(path: str | Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "is a directory", str(path))
    if stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return
    raise OSError(0, "not a regular file, a character device or a FIFO", str(path))


def same_output(first: str | Path, second: str | Path) -> bool:
    """Whether two output paths name one file: the second write would replace the first."""
    if str(first) == "-" or str(second) == "-":
        return str(first) == str(second)
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    with contextlib.suppress(OSError):
        return os.path.samefile(first, second)
    return False


def check_writable(path: str | Path) -> None:
    """Raise OSError (naming `path`) unless an output can be written there: before any paid work.

    For a file, creates and removes a temporary file beside it, since permission bits alone do not
    tell (a read-only mount, or root, which `os.access` always answers yes for). A device is
    opened for writing and closed; a FIFO is not opened (that would wait for a reader).
    """
    if str(path) == "-":
        return
    _refuse_unwritable_kind(path)
    if _written_through(path):
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise FileNotFoundError(2, "no such file or device", str(path)) from None
        if stat.S_ISFIFO(mode):
            if not os.access(path, os.W_OK):
                raise PermissionError(13, "permission denied", str(path))
            return
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError as error:
            raise _named(error, path) from None
        return
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        parent = Path(path).parent
        raise FileNotFoundError(2, f"no such directory {str(parent)!r}", str(path))
    try:
        descriptor, temporary = _temporary_beside(target)
    except OSError as error:
        raise _named(error, path) from None
    os.close(descriptor)
    os.unlink(temporary)


def _temporary_beside(target: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)


@dataclass
class _Staged:
    given: str | Path
    target: Path
    temporary: str


def _stage(given: str | Path, text: str) -> _Staged:
    """`text` in a temporary file beside the file `given` leads to, synced, with its mode."""
    target = Path(os.path.realpath(given))
    try:
        existing: os.stat_result | None = target.stat()
    except FileNotFoundError:
        existing = None
    try:
        descriptor, temporary = _temporary_beside(target)
    except OSError as error:
        raise _named(error, given) from None
    try:
        os.fchmod(descriptor, existing.st_mode & 0o7777 if existing else 0o666 & ~_umask())
        if existing is not None and os.geteuid() == 0:
            # Root writing a colleague's briefing leaves it theirs, as an in-place write would.
            with contextlib.suppress(OSError):
                os.fchown(descriptor, existing.st_uid, existing.st_gid)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _named(error, given) from error
        raise
    return _Staged(given, target, temporary)


_OPEN_DESCRIPTOR = re.compile(r"/(?:dev/(?:std(?:out|err)|fd/\d+)|proc/self/fd/\d+)")


def _descriptor_named(path: str | Path) -> int | None:
    """The open descriptor that `/dev/stdout`, `/dev/fd/N` or `/proc/self/fd/N` names."""
    absolute = os.path.abspath(path)
    if not _OPEN_DESCRIPTOR.fullmatch(absolute):
        return None
    name = absolute.rsplit("/", 1)[1]
    return {"stdout": 1, "stderr": 2}.get(name) or int(name)


def _write_through(given: str | Path, text: str, stdout: TextIO) -> None:
    if str(given) == "-":
        stdout.write(text)
        stdout.flush()
        return
    descriptor = _descriptor_named(given)
    try:
        if descriptor is not None:
            # What the shell opened, as it opened it: `>> log` appends, and nothing truncates it.
            if descriptor == 1:
                stdout.flush()
            with os.fdopen(os.dup(descriptor), "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            return
        # Appending never truncates what a device or FIFO stands for; to them it is writing.
        with open(given, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as error:  # /dev/full says so on write, or only on close
        raise _named(error, given) from error


def write_outputs(outputs: Sequence[tuple[str | Path, str]], stdout: TextIO | None = None) -> None:
    """Write each `(path, text)`: all the files, or none of them replaced.

    Files are staged first (a full disk stops here, and nothing is replaced); then devices, FIFOs
    and `-` (standard output) are written; then every staged file is renamed over its target.
    The OSError raised names the path as given.
    """
    staged: list[_Staged] = []
    try:
        for given, text in outputs:
            if not _written_through(given):
                staged.append(_stage(given, text))
        for given, text in outputs:
            if _written_through(given):
                _write_through(given, text, stdout or sys.stdout)
        for each in staged:
            try:
                os.replace(each.temporary, each.target)
            except OSError as error:
                raise _named(error, each.given) from error
    finally:
        for each in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(each.temporary)


def write_atomically(path: str | Path, text: str) -> None:
    """Write one output whole or not at all (see `write_outputs`)."""
    write_outputs([(path, text)])


def read_json(path: str | Path) -> Any:
    """The JSON in the file at `path` (a gold file, an earlier briefing); `InputError` naming it
    for anything that stops it being read: the file, its syntax, nesting deeper than Python
    parses, or a number longer than Python converts."""
    try:
        return json.loads(Path(path).read_bytes())
    except OSError as error:
        raise InputError(str(path), error.strerror or "cannot read") from None
    except json.JSONDecodeError as error:
        raise InputError(str(path), f"not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise InputError(str(path), "JSON nested too deeply to read") from None
    except ValueError as error:  # int() refuses a number of more than 4,300 digits
        raise InputError(str(path), f"not readable JSON ({error})") from None
