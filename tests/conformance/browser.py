"""A stand-in browser for the OAuth step: `python -m tests.conformance.browser URL`.

The suite's authorization server approves at once and redirects to the app's local redirect
listener; this follows those redirects with plain HTTP GETs, as a browser would.
"""

from __future__ import annotations

import sys
import urllib.request


def main(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as reply:  # follows 30x to the redirect listener
        reply.read()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
