"""One huge session file beside a small one: listing, finding and resuming the small one
read only the head and tail of the big one (a 478 MB file made resuming a small session
take 12.5 s and 1 GB). Measured by peak Python memory, not by time."""

from __future__ import annotations

import json
import tracemalloc

from mcp_tui.store.session_listing import find_session, list_sessions, mentions

BIG = "20260101-000000-big000"
SMALL = "20260102-000000-small0"
LINE_CHARS = 10_000
LINES = 8_000  # ~80 MB


def write_sessions(folder) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({"type": "meta", "at": 1_790_000_000.0, "provider": "openai", "model": "m"}) + "\n"
    question = json.dumps({"type": "message", "at": 1_790_000_000.0, "message": {"role": "user", "content": "the big one"}}) + "\n"
    answer = json.dumps({"type": "message", "at": 1_790_000_000.0, "message": {"role": "assistant", "content": "y" * LINE_CHARS}}) + "\n"
    usage = json.dumps({"type": "usage", "usage": {"total_tokens": 4242}}) + "\n"
    with (folder / f"{BIG}.jsonl").open("w") as f:
        f.write(meta + question)
        for _ in range(LINES // 1000):
            f.write(answer * 1000)
        f.write(usage)
    small = meta.replace("1790000000.0", "1790100000.0") + question.replace("the big one", "the small one") + usage
    (folder / f"{SMALL}.jsonl").write_text(small)
    return (folder / f"{BIG}.jsonl").stat().st_size


def peak_of(action) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_small_session_is_found_without_reading_the_big_one_whole(tmp_path):
    folder = tmp_path / "sessions"
    size = write_sessions(folder)
    bound = size // 20  # reading the big file whole takes at least its size

    sessions, peak = peak_of(lambda: list_sessions(folder))
    print(f"list_sessions: peak {peak / 1e6:.1f} MB beside a {size / 1e6:.0f} MB file")
    assert [s.session_id for s in sessions] == [SMALL, BIG] and peak < bound
    big = sessions[1]
    assert big.title == "the big one" and big.usage.total_tokens == 4242 and big.message_count is None

    for wanted in (SMALL, "20260102", None):  # by id, by prefix, the latest (--resume with no id)
        record, peak = peak_of(lambda: find_session(wanted, folder))
        print(f"find_session({wanted!r}): peak {peak / 1e6:.1f} MB")
        assert record.session_id == SMALL and [m.content for m in record.messages] == ["the small one"]
        assert peak < bound

    found, peak = peak_of(lambda: mentions(big, "not in there"))
    print(f"searching the big file: peak {peak / 1e6:.1f} MB")
    assert not found and peak < bound
    assert mentions(big, "the big one") and mentions(big, "yyyy")
