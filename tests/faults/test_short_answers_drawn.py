"""Short answers must be drawn, never left blank while saved (issue 12, item 17).

The blank came from a race: the frame timer's batched append had just started Textual's
MarkdownStream when the answer finished, and stopping the stream cancelled its task before
it ran, dropping the text."""

from __future__ import annotations

import asyncio

from textual.widgets._markdown import MarkdownBlock

from mcp_tui.ui.widgets.chat import AssistantMessage, Transcript
from tests.support.openai_server import text
from tests.ui_helpers import make_app, turn

TURNS = 100


def drawn(answer: AssistantMessage) -> str:
    """What the answer's Markdown blocks hold, as drawn."""
    return "".join(str(block._content) for block in answer.query(MarkdownBlock))


async def test_an_answer_finished_while_its_frame_is_drawn_shows_all_of_it(openai_server):
    app = make_app(openai_server.base_url)
    async with app.run_test(size=(100, 30)):
        answer = AssistantMessage()
        await app.query_one(Transcript).add(answer)
        answer.append_text("a short answer")
        frame = asyncio.create_task(answer._flush())  # the frame timer fires…
        await asyncio.sleep(0)
        await answer.finish()  # …and the turn ends in the same moment
        await frame
        assert answer.source == drawn(answer) == "a short answer"


async def test_every_quick_answer_is_drawn(openai_server):
    # Two chunks a frame apart: each answer ends about when its first batched append fires.
    for i in range(TURNS):
        openai_server.enqueue(text(f"answer {i} ", "done.", delay=1 / 30))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        for i in range(TURNS):
            await turn(pilot, f"question {i}")
            await app.workers.wait_for_complete()  # the turn's worker has handled TurnFinished
            answer = app.query(AssistantMessage).last()
            assert answer.text == f"answer {i} done."
            assert drawn(answer) == answer.text, f"turn {i}: saved {answer.text!r}, drawn {drawn(answer)!r}"
