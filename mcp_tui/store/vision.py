"""Which models see images, and what an image costs them in tokens.

chuk-llm 0.20.1's provider configuration declares no features for any model (its
`supports_feature(…, VISION, …)` says False even for gpt-4o); its capability table
(`chuk_llm.core.model_capabilities`) knows nine OpenAI models. Both are asked first (a
user's chuk-llm configuration can declare vision), then the families known to take images.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
import struct

log = logging.getLogger(__name__)

_VISION_FAMILIES = re.compile(
    r"(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-4-vision|gpt-5|chatgpt-4o|o1(?!-mini|-preview)|o3(?!-mini)|o4-mini"
    r"|claude-3|claude-(opus|sonnet|haiku)-4|claude-(opus|sonnet)-\d|gemini|gemma-?3|llava|bakllava|pixtral|-vision|-vl\b|vl-"
    r"|llama-?4|llama3\.2-vision|minicpm-v|moondream|grok-\d+-vision|mistral-(small|medium)-(2503|3\.1|latest))"
)
LOW_DETAIL, PER_TILE = 85, 170  # OpenAI's image token cost: a base, plus each 512-pixel tile
UNKNOWN_SIZE_TOKENS = LOW_DETAIL + 4 * PER_TILE  # a 1024×1024 image, when the size cannot be read


@functools.lru_cache(maxsize=128)
def supports_vision(provider: str | None, model: str | None) -> bool:
    if not model or provider in ("demo", "guide"):
        return False
    name = model.lower().rsplit("/", 1)[-1]
    try:
        from chuk_llm.configuration import Feature, get_config
        from chuk_llm.core.model_capabilities import get_model_capabilities

        if provider and get_config().supports_feature(provider, Feature.VISION, model):
            return True
        known = get_model_capabilities(name)
        if known is not None:
            return bool(known.supports_vision)
    except Exception:  # a configuration chuk-llm cannot read: the names below still tell
        log.debug("chuk-llm has no vision facts for %s/%s", provider, model, exc_info=True)
    return bool(_VISION_FAMILIES.search(name))


def image_size(data: str) -> tuple[int, int] | None:
    """(width, height) of a base64 PNG, GIF, JPEG or WebP image, from its first bytes."""
    try:
        head = base64.b64decode(data[:87_384] + "=" * (-len(data[:87_384]) % 4), validate=False)
    except ValueError:
        return None
    try:
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", head[16:24])
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", head[6:10])
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            if head[12:16] == b"VP8X":
                return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
            if head[12:16] == b"VP8 ":
                w, h = struct.unpack("<HH", head[26:30])
                return w & 0x3FFF, h & 0x3FFF
            return None
        if head[:2] == b"\xff\xd8":
            i = 2
            while i + 9 < len(head):
                if head[i] != 0xFF:
                    return None
                marker, length = head[i + 1], struct.unpack(">H", head[i + 2 : i + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    h, w = struct.unpack(">HH", head[i + 5 : i + 9])
                    return w, h
                i += 2 + length
    except struct.error:
        return None
    return None


def image_tokens(data: str) -> int:
    """What one image costs a vision model, by OpenAI's rule for detail "auto"/"high": fit in
    2048×2048, shortest side down to 768, then 85 + 170 per 512-pixel tile."""
    size = image_size(data)
    if not size or not all(size):
        return UNKNOWN_SIZE_TOKENS
    w, h = size
    scale = min(1.0, 2048 / max(w, h))
    w, h = w * scale, h * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    tiles = -(-int(w) // 512) * -(-int(h) // 512)
    return LOW_DETAIL + PER_TILE * max(1, tiles)
