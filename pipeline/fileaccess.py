"""One way into the user's files: calendars and `pipeline.yaml` are found and read only here.

The rules (docs/calendar.md, "Files the pipeline reads"):

- Regular files only. A FIFO, device, socket or folder is refused from its `stat`, never opened:
  opening a FIFO waits for a writer forever, and `/dev/zero` never ends. The file is opened with
  `O_NONBLOCK` and checked again with `fstat`, so one swapped in between is refused too.
- At most `limit` bytes are read, however big the file says it is or turns out to be.
- A path that goes through a symlink must resolve inside the project (the git work tree's top,
  or the folder holding pipeline.yaml), as media paths must (E303). A file outside is not read,
  so nothing of it can reach a diagnostic.
- Folders are walked without recursion, at most `MAX_FOLDER_DEPTH` levels below the path given;
  hidden folders and symlinked folders are not entered.

Nothing here raises anything but `FileRefused`, whose code and sentence become a diagnostic.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

#: Folders deeper than this below a path given on the command line are not searched.
MAX_FOLDER_DEPTH = 32
_READ_CHUNK = 1 << 20


class FileRefused(Exception):
    """A file that is not read, and why: a diagnostic code, a sentence and a hint."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def inside(path: str, root: str) -> bool:
    """Whether `path`, symlinks resolved, is `root` or below it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, top]) == top


def _through_symlink(path: str) -> bool:
    return os.path.realpath(path) != os.path.normpath(os.path.abspath(path))


def kind(mode: int) -> str:
    """What a file that is not a regular one is, in words (`a named pipe (FIFO)`)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(mode: int) -> FileRefused:
    return FileRefused(
        "E120",
        f"this is {kind(mode)}, not a regular file; it was not opened",
        hint="calendars and pipeline.yaml are ordinary text files",
    )


def _too_big(size: int, limit: int, what: str) -> FileRefused:
    return FileRefused(
        "E100",
        f"{size:,} bytes is more than this pipeline reads from one {what} file ({limit:,})",
        hint="split the calendar into several files",
    )


def read_bytes(path: str, *, limit: int, root: str | None, what: str = "") -> bytes:
    """The bytes of one regular file of at most `limit` bytes, by the rules above.

    `root` is the project's top (None: no symlink check, for a file named outside any project);
    `what` names the format in the size message ("YAML", "CSV").
    """
    try:
        if root is not None and _through_symlink(path) and not inside(path, root):
            raise FileRefused(
                "E121",
                f"this file is a symlink to a file outside the project ({root}); it was not read",
                hint="copy the file into the project, or link to one inside it",
            )
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(st.st_mode)
        if st.st_size > limit:
            raise _too_big(st.st_size, limit, what)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise _not_regular(opened.st_mode)  # swapped since the stat above
            chunks, size = [], 0
            # The stat's size in one read (one buffer, no join copying 26 MB of calendar),
            # then chunks for whatever a growing file adds.
            want = opened.st_size + 1
            while size <= limit:
                chunk = os.read(fd, min(want, limit + 1 - size))
                want = _READ_CHUNK
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise FileRefused("E100", f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the name
        raise FileRefused("E100", "cannot read the file: its name holds a NUL byte") from None
    if size > limit:
        raise _too_big(size, limit, what)  # it grew while being read
    return b"".join(chunks)


def open_regular(path: str) -> BinaryIO:
    """A regular file opened for reading (media, read whole for its hash); FileRefused for
    anything else. Opened non-blocking, so a FIFO swapped in after a stat cannot hang us."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise FileRefused("E100", f"cannot read the file: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(slots=True)
class Walk:
    """Files found under the paths given, and folders left out for being too deep."""

    files: list[str] = field(default_factory=list)
    too_deep: list[str] = field(default_factory=list)


def walk(top: str, keep_dir: Callable[[str, str], bool], walk_into: Walk) -> None:
    """Every file under `top` in os.walk's top-down order (names sorted), without recursion:
    a folder 1,100 levels deep is a folder too deep, not a RecursionError. `keep_dir(parent,
    name)` says whether to enter a folder; symlinked folders are never entered."""
    stack: list[tuple[str, int]] = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError:
            continue  # unreadable, as os.walk does: nothing under it is found
        subfolders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                walk_into.files.append(entry.path)
            elif not entry.is_symlink() and keep_dir(folder, entry.name):
                subfolders.append(entry.path)
        if subfolders and depth >= MAX_FOLDER_DEPTH:
            walk_into.too_deep.append(folder)
            continue
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))
