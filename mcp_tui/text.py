"""Make untrusted text (model output, tool results, server stderr) safe to show.

Terminal escape sequences (CSI, OSC — including OSC 52 clipboard writes —, DCS ...)
and other control characters are removed, never passed to the terminal; invalid
UTF-8 has already become U+FFFD by the time text reaches us (decoders use 'replace').
"""

from __future__ import annotations

import re

# ESC followed by a CSI/OSC/DCS/APC/PM/SOS body, or any other single ESC sequence.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC up to BEL or ST
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x9c]*[\x07\x9c]?"  # 8-bit OSC/DCS/... up to BEL or ST
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(text: str) -> str:
    """Text with escape sequences and control characters (except newline and tab) removed."""
    if not text:
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))
