"""Small wording helpers the faces share: counts with their noun, text cut at a word."""

from __future__ import annotations

ELLIPSIS = "…"


def plural(count: int, noun: str) -> str:
    """`1 tool`, `2 tools`, `1,204 messages` (nouns that take an s)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def clip_words(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut after a whole word with "…" (mid-word
    only when a very long word would leave almost nothing)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    head = text[: width - 1]
    cut = head.rstrip().rfind(" ")
    if cut > width // 2:
        head = head[:cut]
    return head.rstrip(" ,.;:-–—") + ELLIPSIS


def clip_end(text: str, width: int) -> str:
    """`text` in at most `width` characters, its end replaced by "…" when cut."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + ELLIPSIS[: max(width, 0)]
