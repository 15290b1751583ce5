"""The transcript as a user meets it: keys from the prompt, labels, marks, chips and notes.

Driven with Pilot against the real engine (local SSE server, real MCP servers); what is
checked on the screen is read from the drawn lines, not from widget attributes alone.
"""

from __future__ import annotations

import time
from datetime import datetime

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.engine.persistence import INTERRUPTED
from mcp_tui.engine.tool_runner import CANCELLED_TEXT, DENIED_TEXT
from mcp_tui.models.messages import Message, MessageRole, ToolCall
from mcp_tui.store.session_file import SessionWriter, find_session, read_session
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.widgets.chat import AssistantMessage, EarlierMessages, InfoNote, ToolChip, Transcript, UserMessage
from mcp_tui.ui.widgets.prompt_input import PromptInput
from tests.engine_helpers import engine_settings, unruly_server
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, refused_base_url, text, tool_calls
from mcp_tui.ui.widgets.timeline import ToolTimeline
from tests.ui_helpers import make_app, on_top, say, states, turn, until

SIZE = (120, 40)


def screen_text(app) -> str:
    """What the terminal shows, as plain lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def footer_keys(app) -> dict[str, str]:
    from textual.widgets._footer import FooterKey

    return {key.key: key.description for key in app.screen.query(FooterKey)}


def in_view(app, widget) -> bool:
    """The widget is drawn inside the transcript's visible part."""
    transcript = app.query_one(Transcript)
    region = app.screen.find_widget(widget).region
    return region.height > 0 and transcript.content_region.contains_region(region)


def chip_texts(app) -> list[str]:
    return [str(chip.render()) for chip in app.query(ToolChip)]


def hhmm(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M")


# -- 1, 6: keys and the footer ------------------------------------------------------------
async def test_ctrl_y_copies_the_last_answer_from_the_prompt_and_the_footer_shows_it(openai_server):
    openai_server.enqueue(text("The answer to copy."))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "a question")
        prompt = app.query_one(PromptInput)
        assert app.focused is prompt
        await until(pilot, lambda: footer_keys(app).get("ctrl+y") == "Copy answer")
        await pilot.press("ctrl+y")
        assert app.clipboard == "The answer to copy."
        # TextArea's redo still has a key in the prompt
        await pilot.press("a", "b", "ctrl+z")
        assert prompt.text == ""
        await pilot.press("ctrl+shift+z")
        assert prompt.text == "ab"


async def test_the_footer_shows_every_key_once_the_engine_has_started(openai_server):
    import threading

    release = threading.Event()

    def starter(confirm=None):
        release.wait(GENEROUS)
        return ChatEngine(engine_settings(openai_server.base_url), []), []

    app = McpTuiApp(starter=starter)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "ctrl+q" in footer_keys(app))
        assert "ctrl+t" not in footer_keys(app)  # still starting: only what works yet
        release.set()
        await until(pilot, lambda: app.engine is not None)
        # no focus change, no key pressed: the footer follows check_action by itself
        await until(pilot, lambda: {"ctrl+t", "ctrl+g", "ctrl+o", "escape"} <= set(footer_keys(app)))
    await app.engine.aclose()


async def test_page_keys_and_ctrl_home_end_scroll_the_chat_from_the_prompt(openai_server):
    openai_server.enqueue(*[text("\n\n".join(f"line {i} of answer {n}" for i in range(30))) for n in range(2)])
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "first")
        await turn(pilot, "second")
        transcript, prompt = app.query_one(Transcript), app.query_one(PromptInput)
        await until(pilot, lambda: transcript.max_scroll_y > 0 and transcript.scroll_y == transcript.max_scroll_y)
        assert app.focused is prompt
        await pilot.press("pageup")
        await until(pilot, lambda: transcript.scroll_y < transcript.max_scroll_y)
        await pilot.press("ctrl+home")
        await until(pilot, lambda: transcript.scroll_y == 0)
        await pilot.press("pagedown")
        await until(pilot, lambda: transcript.scroll_y > 0)
        await pilot.press("ctrl+end")
        await until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y)
        await pilot.press("home")  # the prompt is empty: Home goes to the first message
        await until(pilot, lambda: transcript.scroll_y == 0)
        await pilot.press("end")
        await until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y)
        await pilot.press("x", "y", "home")  # with text, Home moves the cursor, the chat stays
        await pilot.pause()
        assert prompt.cursor_location == (0, 0) and transcript.scroll_y == transcript.max_scroll_y
        assert app.focused is prompt


# -- 2, 8: tool chips, live and resumed ---------------------------------------------------
async def test_chips_say_refused_and_stopped_in_users_words_and_a_resume_keeps_each_state(openai_server):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "hi"}, id="ok")), text("echoed"),
        tool_calls(call("u__no_args", "", id="no")), text("refused"),
        tool_calls(call("u__fail", "{}", id="bad")), text("it failed"),
        tool_calls(call("u__hang", "{}", id="stop")), text("unused"),
        text("after resume"),
    )
    app = make_app(openai_server.base_url, [unruly_server()])  # asks before any call that is not read-only

    async def asked(prompt: str, key: str) -> None:
        await say(pilot, prompt)
        await until(pilot, lambda: on_top(app, ApprovalScreen))
        await pilot.press(key)

    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "echo")  # read-only: runs without asking
        for prompt, key in (("no args", "n"), ("fail", "y")):
            await asked(prompt, key)
            await until(pilot, lambda: not app.engine.busy)
        await asked("hang", "y")
        await until(pilot, lambda: states(app)[-1:] == ["running"])
        await pilot.press("escape")
        await until(pilot, lambda: not app.engine.busy)
        await pilot.pause()
        live = chip_texts(app)
        session_id = app.engine.recorder.session_id
    await app.engine.aclose()
    assert [c.split("  ", 1)[0] for c in live] == ["⚙ u.echo", "⚙ u.no_args", "⚙ u.fail", "⚙ u.hang"]
    assert "⊘ refused by you" in live[1] and "Do not" not in live[1]
    assert "✗ error result" in live[2] and live[2].endswith("· Error executing tool fail")  # the tool's own words
    assert live[3].endswith("⊘ stopped") and "Cancelled by" not in live[3]

    resumed = McpTuiApp(ChatEngine(engine_settings(openai_server.base_url), [unruly_server()], resume=find_session(session_id)))
    async with resumed.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(resumed.query(ToolChip)) == 4)
        chips = list(resumed.query(ToolChip))
        assert [c.state for c in chips] == ["done", "denied", "error", "cancelled"]
        assert chip_texts(resumed) == [  # as they were live, less the durations
            "⚙ u.echo  ✓ done",
            "⚙ u.no_args  ⊘ refused by you",
            "⚙ u.fail  ✗ error result  Error executing tool fail",
            "⚙ u.hang  ⊘ stopped",
        ]
    await resumed.engine.aclose()


async def test_a_session_saved_before_outcomes_were_recorded_draws_its_calls_in_their_states(tmp_path):
    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    endings = {
        "a": ("time__get_current_time", '{"time": "12:00"}', "done"),
        "b": ("sqlite__write_query", DENIED_TEXT, "denied"),
        "c": ("sqlite__read_query", "Error: no such table: order", "failed"),
        "d": ("u__hang", CANCELLED_TEXT, "cancelled"),
        "e": ("u__slow", INTERRUPTED, "cancelled"),
        "f": ("u__error_result", "Tool error: the tool said no", "error"),
    }
    writer.message(Message(role=MessageRole.USER, content="do things"))
    writer.message(Message(role=MessageRole.ASSISTANT, content=None, tool_calls=[ToolCall(id=i, name=n) for i, (n, _, _) in endings.items()]))
    for call_id, (name, content, _) in endings.items():
        writer.message(Message(role=MessageRole.TOOL, tool_call_id=call_id, name=name, content=content))
    writer.message(Message(role=MessageRole.ASSISTANT, content="done"))
    writer.close()
    assert '"outcome"' not in writer.path.read_text()  # as older versions wrote it
    app = McpTuiApp(ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=read_session(writer.path)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.query(ToolChip)) == len(endings))
        chips = list(app.query(ToolChip))
        assert [c.state for c in chips] == [state for _, _, state in endings.values()]
        assert [c.label for c in chips][:3] == ["time.get_current_time", "sqlite.write_query", "sqlite.read_query"]
        assert "no such table: order" in str(chips[2].render())
        rows = [r.state for r in app.query_one(ToolTimeline).records.values()]  # the timeline says the same
        assert rows == [{"error": "error result"}.get(state, state) for _, _, state in endings.values()]
    await app.engine.aclose()


# -- 5: Esc's mark ------------------------------------------------------------------------
async def test_a_stopped_answer_is_visibly_marked(openai_server):
    openai_server.enqueue(text(*[f"word{i} " for i in range(400)], stall=True))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "tell me everything")
        await until(pilot, lambda: len(app.query(AssistantMessage)) and len(app.query(AssistantMessage).last().text) > 30)
        await pilot.press("escape")
        await until(pilot, lambda: not app.engine.busy)
        await until(pilot, lambda: "⏹ stopped" in screen_text(app))


async def test_escape_before_the_first_token_leaves_a_note(openai_server):
    openai_server.enqueue(text(stall=True))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "say nothing")
        await until(pilot, lambda: app.engine.busy and len(openai_server.requests) == 1)
        await pilot.press("escape")
        await until(pilot, lambda: not app.engine.busy)
        await until(pilot, lambda: "Stopped before the answer began" in screen_text(app))
        assert not app.query(AssistantMessage)


# -- 7: notes asked for come into view ----------------------------------------------------
async def test_a_note_asked_for_scrolls_into_view_when_the_chat_is_scrolled_up(openai_server):
    openai_server.enqueue(text("\n\n".join(f"line {i}" for i in range(80))))
    app = make_app(openai_server.base_url, [unruly_server()])
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "a long one")
        transcript = app.query_one(Transcript)
        for command in ("/servers", "/tools", "/nonsense"):
            transcript.scroll_home(animate=False)
            await until(pilot, lambda: transcript.scroll_y == 0)
            await say(pilot, command)
            await until(pilot, lambda: len(app.query(InfoNote)) and in_view(app, app.query(InfoNote).last()))


# -- 17: long code lines ------------------------------------------------------------------
async def test_a_long_code_line_is_shown_whole(openai_server):
    line = "result = compute(" + ", ".join(f"argument_{i}" for i in range(40)) + ")  # END_OF_THE_LINE"
    openai_server.enqueue(text(f"Here:\n\n```python\n{line}\n```\n\nThat is all."))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "code please")
        await until(pilot, lambda: "That is all." in screen_text(app))
        assert "END_OF_THE_LINE" in screen_text(app)


# -- 19: every roll leaves its note --------------------------------------------------------
async def test_every_roll_leaves_a_note_in_the_chat(openai_server):
    big = "lorem ipsum " * 1500
    openai_server.enqueue(
        text("hello"),
        tool_calls(call("u__echo", {"text": big}, id="t1")),
        text("SUMMARY: they said hello."),  # mid-turn roll: the tool result filled the context
        text("done echoing"),
        text("SUMMARY: an echo."),  # at the next turn's start
        text("fine"),
        text("SUMMARY: fine."),  # /compact
    )
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto", token_threshold=2500)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "hi")
        await turn(pilot, "echo")
        await turn(pilot, "and?")
        await say(pilot, "/compact")
        await until(pilot, lambda: app.engine.context.token_stats.segments == 4)
        await until(pilot, lambda: sum("Rolled into segment" in str(n.render()) for n in app.query(InfoNote)) == 3)
        notes = [str(n.render()) for n in app.query(InfoNote) if "Rolled into" in str(n.render())]
        assert [n.split(" ")[3].rstrip(".") for n in notes] == ["2", "3", "4"]
        assert "tool results filled the context" in notes[0] and "threshold" in notes[1]
        session_id = app.engine.recorder.session_id
    await app.engine.aclose()
    # resumed, each roll's note is drawn where its segment began
    resumed = McpTuiApp(ChatEngine(engine_settings(openai_server.base_url), [], resume=find_session(session_id)))
    async with resumed.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(resumed.query(UserMessage)))
        drawn = [str(w.render()) for w in resumed.query_one(Transcript).children]
        rolled = [i for i, t in enumerate(drawn) if t.startswith("Rolled into segment")]
        assert [drawn[i].split(" ")[3].rstrip(".") for i in rolled] == ["2", "3", "4"]
        assert rolled[2] == len(drawn) - 2  # the /compact's, after the last message (the resume note follows)
        assert "SUMMARY: they said hello." in drawn[rolled[0]] and drawn[rolled[0] + 1] == "echo"
        assert drawn[rolled[1] + 1] == "and?"
    await resumed.engine.aclose()


# -- labels ---------------------------------------------------------------------------------
async def test_messages_are_labelled_with_who_model_and_time_and_resumed_ones_keep_theirs(openai_server, tmp_path):
    openai_server.enqueue(text("live answer"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "live question")
        now = hhmm(time.time())
        user, answer = app.query(UserMessage).last(), app.query(AssistantMessage).last()
        # a minute may turn between the stamp and the check
        assert user.border_title in (f"you · {now}", f"you · {hhmm(user.at)}")
        assert answer.border_title == f"openai/test-model · {hhmm(answer.at)}"
        await until(pilot, lambda: f"you · {hhmm(user.at)}" in screen_text(app))
        assert f"openai/test-model · {hhmm(answer.at)}" in screen_text(app)
        await app.query_one(Transcript).add(AssistantMessage("[b]odd[/b] model", "x"))  # a saved label is data
        await until(pilot, lambda: "[b]odd[/b] model · " in screen_text(app))
    await app.engine.aclose()

    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    asked = datetime(2026, 3, 14, 9, 26).timestamp()
    writer.message(Message(role=MessageRole.USER, content="old question", at=asked))
    writer.message(Message(role=MessageRole.ASSISTANT, content="old answer", at=asked + 60))
    writer.close()
    resumed = McpTuiApp(ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=read_session(writer.path)))
    async with resumed.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(resumed.query(UserMessage)))
        assert resumed.query_one(UserMessage).border_title == "you · 14 Mar 2026 09:26"
        assert resumed.query_one(AssistantMessage).border_title.endswith("· 14 Mar 2026 09:27")
    await resumed.engine.aclose()


# -- plurals -----------------------------------------------------------------------------------
async def test_one_is_singular_in_the_transcripts_words(openai_server):
    openai_server.enqueue(text("x"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "one letter please")
        await pilot.press("ctrl+y")
        await until(pilot, lambda: any("(1 character)" in str(n.message) for n in app._notifications))
        marker = EarlierMessages(1)
        assert "1 message not shown" in str(marker.render())


def test_one_large_tool_is_announced_as_one_tool():
    from mcp_tui.engine.tool_budget import ToolSetWatch

    tool = {"type": "function", "function": {"name": "one", "description": "word " * 2000, "parameters": {"type": "object"}}}
    warning, _ = ToolSetWatch().check([tool], 1000)
    assert warning is not None and warning.message.startswith("1 tool, ")


async def test_a_session_drawn_before_the_engine_is_up_shows_its_rolls(tmp_path):
    import threading

    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    for i in range(3):
        writer.message(Message(role=MessageRole.USER, content=f"question {i}"))
        writer.message(Message(role=MessageRole.ASSISTANT, content=f"answer {i}"))
    writer.write("segment", segment=2, summary="The first two questions.", start=4, tokens=10, cost=0.0)
    writer.close()
    record = read_session(writer.path)
    release = threading.Event()

    def starter(confirm=None):
        release.wait(GENEROUS)
        return ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=record), []

    app = McpTuiApp(starter=starter, preview=record)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.query(UserMessage)) == 3)
        assert app.engine is None
        drawn = [str(w.render()) for w in app.query_one(Transcript).children]
        note = next(i for i, t in enumerate(drawn) if t.startswith("Rolled into segment 2"))
        assert "The first two questions." in drawn[note] and drawn[note + 1] == "question 2"
        release.set()
        await until(pilot, lambda: app.engine is not None)
    await app.engine.aclose()


def test_a_long_error_is_cut_at_a_word_on_its_chip():
    from mcp_tui.engine.tool_outcome import DETAIL_CHARS, chip_detail

    error = "Error: the database is locked because another process holds a write lock on it since yesterday evening\nTraceback …"
    detail = chip_detail("failed", error)
    assert detail.endswith("…") and len(detail) <= DETAIL_CHARS
    assert error.removeprefix("Error: ").startswith(detail[:-1]) and error[len("Error: ") + len(detail) - 1] == " "  # ends on a whole word
    assert chip_detail("denied", "The user refused to run this tool. Do not call it again") == ""
