"""A lock on a report folder while a run writes it, so two runs never mix or delete each other's rows.

The lock is an exclusive ``flock`` on the file ``.diffkit-report.lock`` in the folder,
which holds the owner's process id for the error message. The operating system drops
the lock when its owner exits, even by ``kill -9``, so a killed run never leaves a
stale lock behind. The owner removes the file when it lets go; a run that opened the
file just before it was removed notices (the path no longer names the file it locked)
and tries again.

The lock is re-entrant within a process: ``diffkit report`` holds it across running the
suite and building the report, and :func:`~diffkit.harness.run_suite` and
:func:`~diffkit.harness.build_report` each take it too when called on their own.
"""

import fcntl
import os
from pathlib import Path

from .. import errors

LOCK_FILE = ".diffkit-report.lock"

_held = {}  # resolved folder -> [file descriptor, depth], for the locks this process holds


class FolderLock:
    """``with FolderLock(folder):`` the folder is this process's until the block ends.

    Entering raises :class:`~diffkit.errors.FolderInUseError` at once (it does not wait)
    when another process holds the lock. The folder must exist.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.key = str(self.folder.resolve())

    def __enter__(self):
        held = _held.get(self.key)
        if held is not None:
            held[1] += 1
            return self
        _held[self.key] = [self._acquire(), 1]
        return self

    def __exit__(self, *exc_info):
        held = _held[self.key]
        held[1] -= 1
        if held[1] == 0:
            del _held[self.key]
            try:
                os.unlink(self.path)  # while still locked: no other run is using this file
            except OSError:
                pass
            os.close(held[0])

    def _acquire(self):
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise errors.InputError(
                    f"cannot create the lock file {self.path} ({exc.strerror or exc}): give --out a folder "
                    "you can write to"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _owner(fd)
                os.close(fd)
                raise errors.FolderInUseError(
                    f"another diffkit report{owner} is writing to {self.folder}: wait until it finishes, "
                    "or give --out another folder"
                ) from None
            if _same_file(fd, self.path):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return fd
            os.close(fd)  # its owner removed it before we locked it: take the new one


def _owner(fd):
    """`` (process 1234)``, from the lock file, or '' if it does not say yet."""
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""


def _same_file(fd, path):
    try:
        return os.path.samestat(os.stat(path), os.fstat(fd))
    except FileNotFoundError:
        return False
