"""Files the app writes for the user (exports, saved results): 0600 from the first byte.

A file is written to a private temporary beside it and renamed into place, so it is never
readable by others, not even for a moment, and an existing file keeps no looser bits.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_private(path: Path, text: str, *, errors: str = "strict") -> None:
    """Write `text` to `path` as 0600; raises OSError as `Path.write_text` would."""
    if path.exists() and not path.is_file():  # /dev/stdout, a fifo: not a file to replace
        with path.open("w", encoding="utf-8", errors=errors) as f:
            f.write(text)
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
