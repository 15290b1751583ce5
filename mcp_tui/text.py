"""Make untrusted text (model output, tool results, server stderr) safe to show.

Terminal escape sequences (CSI, OSC — including OSC 52 clipboard writes —, DCS ...)
and other control characters are removed, never passed to the terminal, and so are the
bidi controls that can make shown text read otherwise than it is (U+202E, U+2066 …);
invalid UTF-8 has already become U+FFFD by the time text reaches us (decoders use
'replace'). `Shown` is a string field type that applies safe_text when a model is built:
events, server states and tool descriptions use it, so every face gets clean text.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

# ESC followed by a CSI/OSC/DCS/APC/PM/SOS body, or any other single ESC sequence.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC up to BEL or ST
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x9c]*[\x07\x9c]?"  # 8-bit OSC/DCS/... up to BEL or ST
)
# C0/C1 controls but newline and tab, and the bidi embedding/override/isolate controls and marks
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """Text with escape sequences and control characters (except newline and tab) removed."""
    if not text:
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


Shown = Annotated[str, AfterValidator(safe_text)]

# what json.dumps(ensure_ascii=False) leaves raw that a terminal would act on (it escapes C0 itself)
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def json_safe(document: str) -> str:
    """A JSON document with C1 and bidi controls written as \\u escapes: the same data when
    loaded, nothing a terminal acts on when printed (such characters only occur in strings)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


_INTRO = re.compile(r"[\x1b\x9b\x90\x9d\x98\x9e\x9f]")
_STRING_START = set("]PX^_")  # ESC + one of these opens OSC/DCS/SOS/PM/APC, ended by BEL or ST
_CSI_DONE = re.compile(r"[0-?]*[ -/]*[@-~]")
MAX_HELD = 4096  # longer than any sane sequence: past this it is junk and goes out (cleaned)


class SafeStream:
    """safe_text for text that arrives in pieces: a sequence split across pieces
    (\\x1b]52;c;… in one, \\x07 in the next) is held until it is complete, so it is
    removed whole instead of leaving its payload on the screen."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        text = self._held + text
        self._held = ""
        start = _open_sequence(text)
        if start is not None and len(text) - start < MAX_HELD:
            text, self._held = text[:start], text[start:]
        return safe_text(text)

    def flush(self) -> str:
        rest, self._held = self._held, ""
        return safe_text(rest)


def _open_sequence(text: str) -> int | None:
    """Where an unfinished escape sequence starts at the end of `text`, if one does
    (only the last one can be open: an earlier one is followed by more text)."""
    intros = list(_INTRO.finditer(text, max(0, len(text) - MAX_HELD)))
    if not intros:
        return None
    start = intros[-1].start()
    intro, rest = text[start], text[start + 1 :]
    if intro == "\x1b" and not rest:
        return start
    if intro == "\x9b" or rest[0] == "[":
        return None if _CSI_DONE.match(rest if intro == "\x9b" else rest[1:]) else start
    if intro != "\x1b" or rest[0] in _STRING_START:
        return None if ("\x07" in rest or "\x1b\\" in rest or "\x9c" in rest) else start
    return None  # a two-byte escape: complete

