"""The files of a public repository's checkout, for the benchmarks that read public sets.

A checkout is a work tree, or a bare mirror (a git directory without one), which is read at its
HEAD with one `git cat-file --batch` for all the files wanted: `git show` would be a process a
file.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

__all__ = ["checkout_files"]


def checkout_files(root: Path, folder: str, keep: Callable[[str], bool]) -> dict[str, bytes]:
    """The files under `folder` of the checkout at `root` whose path `keep` accepts, by their
    path in the repository: from its work tree, or from its HEAD (a bare mirror)."""
    bare = (root / "HEAD").is_file() and (root / "objects").is_dir()
    if not bare and (root / folder).is_dir():
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in sorted((root / folder).rglob("*"))
            if p.is_file() and keep(str(p.relative_to(root)))
        }
    listing = subprocess.run(
        ["git", "-C", str(root), "ls-tree", "-r", "-z", "HEAD", folder or "."],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    blobs: list[tuple[str, str]] = []
    for line in listing.split("\0"):
        info, _, path = line.partition("\t")
        if not path:
            continue
        _, kind, sha = info.split()
        if kind == "blob" and keep(path):
            blobs.append((path, sha))
    if not blobs:
        return {}
    # One `git cat-file --batch` for all of them: a `git show` a file is a process a file.
    shown = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for _, sha in blobs).encode(),
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    files: dict[str, bytes] = {}
    at = 0
    for path, _ in blobs:
        end = shown.index(b"\n", at)
        size = int(shown[at:end].split()[2])
        files[path] = shown[end + 1 : end + 1 + size]
        at = end + 1 + size + 1  # the content, then a newline
    return files
