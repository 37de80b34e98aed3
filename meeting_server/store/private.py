"""Files only the server's user may read: the data directory (0700), the database and the keys (0600).

The event log holds every name and every ballot; the keys sign every link. New files are created with these
modes; files and directories left by an older version, or created under a loose umask, are tightened (a
warning says so when that is not possible, e.g. a directory owned by another user).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed; make ``path`` itself 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist; make it 0600 if it does."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path, FILE_MODE)
    else:
        os.close(fd)  # a umask only ever removes bits: it is 0600 or less
    return path


def read_or_create_secret(path: Path, make: str) -> str:
    """The secret kept in ``path`` (0600; tightened if an older version left it looser), or ``make``
    written there first if there is none. Written to a temporary file and renamed: never half a key."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        private_dir(path.parent)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(make)
        os.replace(tmp, path)
        return path.read_text().strip()
    tighten(path, FILE_MODE)
    return text


def tighten(path: Path, mode: int) -> None:
    """Remove every permission bit that ``mode`` does not grant (never adds one)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            os.chmod(path, current & mode)
            log.info("%s was mode %o; now %o", path, current, current & mode)
    except FileNotFoundError:
        return
    except PermissionError:
        log.warning("cannot restrict %s to mode %o: not its owner", path, mode)
