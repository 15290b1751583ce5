"""Import time of the app's modules (`python -X importtime`), and whether the heavy
libraries stay out of the start-up path."""

from __future__ import annotations

import subprocess
import sys

from tests.benchmarks.common import Measure

HEAVY = ["mcp", "chuk_llm", "chuk_ai_session_manager", "openai", "tiktoken", "xllamacpp"]


def importtime(module: str) -> dict[str, float]:
    """Cumulative import seconds of every module imported by `import module`, fresh interpreter."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True)
    found: dict[str, float] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            found[parts[2].strip()] = int(parts[1]) / 1e6
    return found


def run(runs: int) -> list[Measure]:
    measures = []
    for module in ("mcp_tui.cli", "mcp_tui.ui.app"):
        samples = [importtime(module) for _ in range(runs)]
        loaded = sorted({name for s in samples for name in s if name in HEAVY})
        totals = [s[module] for s in samples]
        note = f"heavy imported: {', '.join(loaded) or 'none'}"
        measures.append(Measure(f"import {module}", "s", totals, "heavy libraries lazy", not loaded, note=note))
    return measures
