"""The block cursor over the chat, search in the chat, retry / edit / fork, and /clear saved:
driven with Pilot against the real engine (local SSE server, real chuk-llm, real MCP servers)."""

from __future__ import annotations

from textual.widgets._markdown import MarkdownFence

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import validate_llm_messages
from mcp_tui.store.session_file import read_session
from mcp_tui.ui.app import RECENT_MESSAGES, McpTuiApp
from mcp_tui.ui.screens.help import KEYS, HelpScreen
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.transcript_cursor import CURSOR, CURRENT, HIT, CursorTranscript, block_text
from mcp_tui.ui.widgets.chat import AssistantMessage, EarlierMessages, ToolChip, UserMessage
from mcp_tui.ui.widgets.chat_search import ChatSearch
from mcp_tui.ui.widgets.prompt_input import PromptInput
from tests.engine_helpers import engine_settings, unruly_server
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, on_top, turn, until

SIZE = (120, 40)
CODE = "Here:\n\n```python\nprint('only the code')\n```\n\nDone."


def roles(app) -> list[str]:
    return [m.role.value for m in app.engine.context.history.messages]


def contents(app) -> list[str | None]:
    return [m.content for m in app.engine.context.history.messages[1:]]


def cursor(app):
    return app.query_one(CursorTranscript).cursor


async def test_a_key_puts_a_visible_cursor_on_the_last_block_and_arrows_move_it(openai_server):
    openai_server.enqueue(text("first answer"), text(CODE))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "one")
        await turn(pilot, "two")
        await until(pilot, lambda: len(app.query(MarkdownFence)) == 1)
        await pilot.press("ctrl+up")
        transcript = app.query_one(CursorTranscript)
        assert app.focused is transcript
        fence = app.query_one(MarkdownFence)
        assert cursor(app) is fence and fence.has_class(CURSOR)  # the last block: the code block of the answer
        await pilot.press("up")
        assert isinstance(cursor(app), AssistantMessage) and not fence.has_class(CURSOR)
        await pilot.press("k")
        assert isinstance(cursor(app), UserMessage) and "two" in str(cursor(app).render())
        await pilot.press("k")
        assert cursor(app).text == "first answer"
        await pilot.press("j")
        assert isinstance(cursor(app), UserMessage)
        await pilot.press("c")
        assert app.clipboard == "two"
        await pilot.press("j", "j", "c")
        assert cursor(app) is fence and app.clipboard == "print('only the code')"
        await pilot.press("escape")
        assert isinstance(app.focused, PromptInput) and not app.query(f".{CURSOR}")
        await pilot.press("f6")
        assert cursor(app) is fence


async def test_tab_stops_visibly_and_never_on_a_code_block(openai_server):
    openai_server.enqueue(text(CODE))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "code please")
        await until(pilot, lambda: len(app.query(MarkdownFence)) == 1)
        chain = app.screen.focus_chain
        assert not [w for w in chain if isinstance(w, MarkdownFence) or any(isinstance(a, AssistantMessage) for a in w.ancestors)]
        transcript = app.query_one(CursorTranscript)
        app.query_one(PromptInput).focus()
        for _ in range(len(chain)):
            await pilot.press("tab")
            if app.focused is transcript:
                break
        assert app.focused is transcript and cursor(app) is not None and cursor(app).has_class(CURSOR)


async def test_enter_on_a_tool_chip_opens_its_detail(openai_server):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": "chip body"}, id="c1")), text("echoed"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "echo")
        await pilot.press("ctrl+up")
        while not isinstance(cursor(app), ToolChip):
            await pilot.press("up")
        await pilot.press("enter")
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        assert app.screen.record.call_id == "c1" and "chip body" in app.screen.record.result


async def test_retry_drops_the_answer_and_asks_again_with_the_same_prompt(openai_server):
    openai_server.enqueue(text("a poor answer"), text("a better answer"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "the question")
        await pilot.press("ctrl+up", "r")
        await until(pilot, lambda: len(openai_server.requests) == 2 and not app.engine.busy and contents(app)[-1] == "a better answer")
        assert contents(app) == ["the question", "a better answer"]
        sent = openai_server.requests[1]["messages"]
        assert [m["role"] for m in sent] == ["system", "user"] and sent[-1]["content"] == "the question"
        await until(pilot, lambda: [w.text for w in app.query(AssistantMessage)] == ["a better answer"])
        assert [str(w.render()) for w in app.query(UserMessage)] == ["the question"]
    saved = read_session(app.engine.recorder.writer.path)
    assert [m.content for m in saved.messages] == ["the question", "a better answer"]


async def test_edit_loads_the_prompt_and_sending_replaces_it_and_what_followed(openai_server):
    openai_server.enqueue(text("answer one"), text("answer two"), text("answer to the edit"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "first")
        await turn(pilot, "second with a typo")
        await pilot.press("ctrl+up")
        while not (isinstance(cursor(app), UserMessage) and "typo" in str(cursor(app).render())):
            await pilot.press("up")
        await pilot.press("e")
        prompt = app.query_one(PromptInput)
        assert app.focused is prompt and prompt.text == "second with a typo" and prompt.border_title
        await pilot.press("escape")  # cancels the edit: sending would not replace anything
        assert not prompt.border_title and app._edit_keep is None
        await pilot.press("ctrl+up")
        while not (isinstance(cursor(app), UserMessage) and "typo" in str(cursor(app).render())):
            await pilot.press("up")
        await pilot.press("e")
        prompt.load_text("second, fixed")
        await pilot.press("enter")
        await until(pilot, lambda: len(openai_server.requests) == 3 and not app.engine.busy and contents(app)[-1] == "answer to the edit")
        assert contents(app) == ["first", "answer one", "second, fixed", "answer to the edit"]
        assert [m["content"] for m in openai_server.requests[2]["messages"][1:]] == ["first", "answer one", "second, fixed"]
        assert not prompt.border_title
    saved = read_session(app.engine.recorder.writer.path)
    assert [m.content for m in saved.messages] == ["first", "answer one", "second, fixed", "answer to the edit"]


async def test_fork_writes_a_new_file_up_to_the_block_and_goes_on_there(openai_server):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "x"}, id="t1")), text("answer one"),
        text("answer two"), text("in the fork"),
    )
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "first")
        await turn(pilot, "second")
        original = app.engine.recorder.writer.path
        before = read_session(original).messages
        await pilot.press("ctrl+up")
        while not (isinstance(cursor(app), ToolChip)):
            await pilot.press("up")
        await pilot.press("f")  # on the chip: its call and its result are kept, nothing after
        await until(pilot, lambda: app.engine.recorder.writer.path != original)
        forked = app.engine.recorder.writer.path
        await until(pilot, lambda: forked.name in " ".join(str(n.render()) for n in app.query(".info")))
        assert [m.role.value for m in read_session(forked).messages] == ["user", "assistant", "tool"]
        assert roles(app) == ["system", "user", "assistant", "tool"]
        assert [m.content for m in read_session(original).messages] == [m.content for m in before]  # untouched
        await turn(pilot, "go on")
        validate_llm_messages(openai_server.requests[-1]["messages"])
    fork = read_session(forked)
    assert fork.meta.get("forked_from") == original.stem
    assert [m.content for m in read_session(original).messages] == [m.content for m in before]  # still: the fork's turns went to the fork only
    assert [m.content for m in fork.messages][-2:] == ["go on", "in the fork"] and len(fork.messages) == 5


async def test_search_finds_highlights_and_cycles(openai_server):
    openai_server.enqueue(text("apples are red"), text("no fruit here"), text("more apples, green apples"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        for question in ("apples?", "pears?", "again"):
            await turn(pilot, question)
        await pilot.press("ctrl+f")
        search = app.query_one(ChatSearch)
        assert search.display and app.focused.id == "chat-search-query"
        await pilot.press(*"apples")
        count = app.query_one("#chat-search-count")
        await until(pilot, lambda: str(count.render()) == "4 of 4")
        hits = app.query(f".{HIT}")
        assert len(hits) == 3  # the question, the first answer (drawn light by now) and the last (twice)
        assert app.query_one(f".{CURRENT}").text == "more apples, green apples"
        await pilot.press("enter")  # wraps to the first
        assert str(count.render()) == "1 of 4" and str(app.query_one(f".{CURRENT}").render()) == "apples?"
        await pilot.press("shift+enter")
        assert str(count.render()) == "4 of 4"
        await pilot.press("f3", "f3")
        assert str(count.render()) == "2 of 4" and "apples are red" in block_text(app.query_one(f".{CURRENT}"))
        await pilot.press("shift+f3")
        assert str(count.render()) == "1 of 4"
        await pilot.press("escape")
        assert not search.display and not app.query(f".{HIT}") and isinstance(app.focused, PromptInput)


async def test_search_brings_in_messages_left_out_of_a_long_session(tmp_path):
    from mcp_tui.models.messages import Message, MessageRole
    from mcp_tui.store.session_file import SessionWriter
    from tests.support.openai_server import refused_base_url

    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    for i in range(100):
        writer.message(Message(role=MessageRole.USER, content=f"question {i}" + (" needle" if i == 3 else "")))
        writer.message(Message(role=MessageRole.ASSISTANT, content=f"answer {i}"))
    writer.close()
    app = McpTuiApp(ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=read_session(writer.path)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.query(EarlierMessages)) == 1)
        await pilot.press("ctrl+f", *"needle")
        await until(pilot, lambda: str(app.query_one("#chat-search-count").render()) == "1 of 1")
        assert str(app.query_one(f".{CURRENT}").render()) == "question 3 needle"
        assert not app.query(EarlierMessages)
    await app.engine.aclose()


async def test_up_on_the_first_drawn_block_brings_in_the_messages_left_out(tmp_path):
    from mcp_tui.models.messages import Message, MessageRole
    from mcp_tui.store.session_file import SessionWriter
    from tests.support.openai_server import refused_base_url

    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    for i in range(50):
        writer.message(Message(role=MessageRole.USER, content=f"question {i}"))
        writer.message(Message(role=MessageRole.ASSISTANT, content=f"answer {i}"))
    writer.close()
    app = McpTuiApp(ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=read_session(writer.path)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.query(EarlierMessages)) == 1)
        await pilot.press("ctrl+up")
        transcript = app.query_one(CursorTranscript)
        first = next(b for b in transcript.blocks() if isinstance(b, UserMessage))  # the first drawn, below the marker
        transcript.select(first)
        await pilot.press("up")
        await until(pilot, lambda: not app.query(EarlierMessages))
        assert cursor(app) is first
        await pilot.press("up")
        assert block_text(cursor(app)) == f"answer {49 - RECENT_MESSAGES // 2}" and len(app.query(UserMessage)) == 50
    await app.engine.aclose()


async def test_the_cursor_keys_are_in_help_and_the_footer(openai_server):
    openai_server.enqueue(text("hi"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "hello")
        await pilot.press("f6")
        shown = {a.binding.action for a in app.active_bindings.values() if a.binding.show}
        assert {"move(-1)", "move(1)", "copy_block", "open_block", "act('retry')", "act('edit')", "act('fork')", "leave"} <= shown
        keys = " ".join(key for key, _ in KEYS)
        assert "Ctrl+F" in keys and "F6" in keys and "Ctrl+↑" in keys
        await pilot.press("escape")
        assert "chat_cursor" in {a.binding.action for a in app.active_bindings.values() if a.binding.show}


async def test_the_cursor_and_search_keys_do_nothing_over_a_dialog(openai_server):
    openai_server.enqueue(text("hi"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "hello")
        await pilot.press("f1")
        await until(pilot, lambda: on_top(app, HelpScreen))
        await pilot.press("f6", "ctrl+up", "ctrl+f", "f3", "shift+f3")
        await pilot.pause()
        assert on_top(app, HelpScreen) and app.is_running
        await pilot.press("escape", "ctrl+up")
        assert cursor(app) is not None
