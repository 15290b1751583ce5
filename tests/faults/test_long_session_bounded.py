"""A long live session keeps a bounded number of widgets: old turns leave the DOM and come
back through the marker, as a resumed session's do (issue 12, item 18)."""

from __future__ import annotations

from mcp_tui.ui.widgets import chat, timeline
from mcp_tui.ui.widgets.chat import AssistantMessage, EarlierMessages, SavedAnswer, ToolChip, Transcript, UserMessage
from mcp_tui.ui.widgets.timeline import ToolTimeline
from tests.engine_helpers import unruly_server
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, turn

LIVE, ROWS, TURNS = 5, 8, 20


def questions(transcript: Transcript) -> list[str]:
    return [str(w.render()) for w in transcript.query(UserMessage)]


async def test_old_turns_leave_the_dom_and_page_back(openai_server, monkeypatch):
    monkeypatch.setattr(chat, "LIVE_TURNS", LIVE, raising=False)  # small bounds, few turns: the same rule
    monkeypatch.setattr(timeline, "ROWS", ROWS, raising=False)
    for i in range(TURNS + 1):
        openai_server.enqueue(tool_calls(call("u__echo", {"text": f"order {i}"}, id=f"c{i}")), text(f"answer {i}"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(TURNS):
            await turn(pilot, f"question {i}")
            await app.workers.wait_for_complete()
        transcript = app.query_one(Transcript)
        assert questions(transcript) == [f"question {i}" for i in range(TURNS - LIVE, TURNS)]
        assert len(app.query(ToolChip)) == LIVE
        # The last answers stay live Markdown; older ones are one light widget each, same text.
        assert [a.label for a in app.query(AssistantMessage)] == ["openai/test-model"] * chat.SETTLED_AFTER  # the border title adds the time
        settled = app.query(SavedAnswer)
        assert [a.content.markup for a in settled] == [f"answer {i}" for i in range(TURNS - LIVE, TURNS - chat.SETTLED_AFTER)]
        rows = app.query_one(ToolTimeline)
        assert rows.row_count == len(rows.records) == ROWS and f"c{TURNS - 1}" in rows.records
        marker = transcript.query_one(EarlierMessages)
        assert f"{(TURNS - LIVE) * 4:,} messages not shown" in str(marker.render())  # user, call, result, answer

        transcript.focus()
        await pilot.press("home")  # the first page of what was pruned, in order, drawn light
        await pilot.pause()
        assert questions(transcript) == [f"question {i}" for i in range(TURNS)]
        assert transcript.query(SavedAnswer).first().content.markup == "answer 0"

        await turn(pilot, "one more")  # a turn pruned after that goes behind a new marker…
        await app.workers.wait_for_complete()
        assert f"question {TURNS - LIVE}" not in questions(transcript)
        transcript.query_one(EarlierMessages).post_message(Transcript.EarlierWanted())  # …and a click brings it back
        await pilot.pause()
        assert questions(transcript) == [f"question {i}" for i in range(TURNS)] + ["one more"]
        assert not transcript.query(EarlierMessages)
