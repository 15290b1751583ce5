"""Session files written by hand, as mcp-tui writes them, for listing and dialog tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_session(folder: Path, session_id: str, at: float, exchanges: list[tuple[str, str]], provider: str = "openai", model: str = "gpt-4o-mini") -> Path:
    lines = [{"type": "meta", "at": at, "provider": provider, "model": model}]
    for question, answer in exchanges:
        lines.append({"type": "message", "at": at, "message": {"role": "user", "content": question, "at": at}})
        lines.append({"type": "message", "at": at, "message": {"role": "assistant", "content": answer, "at": at}})
    lines.append({"type": "usage", "at": at, "usage": {"total_tokens": 1234 * len(exchanges)}})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session_id}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path
