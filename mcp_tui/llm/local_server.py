"""Child process serving the tiny local model over HTTP: `python -m mcp_tui.llm.local_server GGUF`.

llama.cpp runs in its own process so its C-level logging can never reach the app's
terminal and its ~300 MB go away with it. Prints the base URL as its first line, then
serves until stdin closes — so it also ends when the app dies without cleaning up.
"""

from __future__ import annotations

import sys


def main() -> None:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = sys.argv[1]
    params.port = 0  # the server picks a free one and reports it
    params.verbosity = -1  # llama.cpp logs nothing (the log file gets what it still says)
    params.n_ctx = 8192
    # One thread, no spin-waiting: a 135M model needs no more, and llama.cpp's threads spin at
    # every barrier, which on a busy 2-core machine turned a seconds-long answer into minutes.
    for cpu in (params.cpuparams, params.cpuparams_batch):
        cpu.n_threads = 1
        cpu.poll = 0
    # A 135M model loops without these; set here so every client gets them.
    params.n_predict = 512
    params.sampling.penalty_repeat = 1.2
    params.sampling.penalty_last_n = 256  # the default 64 tokens misses paragraph-long loops
    params.sampling.dry_multiplier = 0.8  # DRY: penalises repeating any earlier sequence
    params.sampling.temp = 0.6
    server = xllamacpp.Server(params)
    print(server.listening_address, flush=True)
    sys.stdin.read()  # until the parent closes the pipe or dies


if __name__ == "__main__":
    main()
