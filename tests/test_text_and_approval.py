import pytest

from mcp_tui.engine.approval import (
    ApprovalMode,
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
)
from mcp_tui.logsetup import add_secrets, mask_secrets
from mcp_tui.text import safe_text


@pytest.mark.parametrize(
    "raw,shown",
    [
        ("plain [bold]markup[/bold]", "plain [bold]markup[/bold]"),
        ("red \x1b[31mtext\x1b[0m", "red text"),
        ("clip \x1b]52;c;aGVsbG8=\x07 end", "clip  end"),
        ("title \x1b]0;pwned\x1b\\ end", "title  end"),
        ("bell\x07 nul\x00 tab\tnl\n", "bell nul tab\tnl\n"),
        ("crlf\r\nline", "crlf\nline"),
        ("c1 \x9b31m csi", "c1  csi"),
        ("bad utf8 \ufffd kept", "bad utf8 \ufffd kept"),
    ],
)
def test_safe_text_removes_escapes_and_keeps_markup_literal(raw, shown):
    assert safe_text(raw) == shown


def test_secrets_are_masked():
    add_secrets(["sk-very-secret-123", "abc"])
    assert mask_secrets("key=sk-very-secret-123 abc") == "key=••• abc"  # short values stay: too common


@pytest.mark.parametrize(
    "mode,read_only,expected",
    [
        (ApprovalMode.AUTO, False, Decision.RUN),
        (ApprovalMode.NEVER, True, Decision.DENY),
        (ApprovalMode.READONLY, True, Decision.RUN),
        (ApprovalMode.READONLY, None, Decision.DENY),
        (ApprovalMode.ASK, True, Decision.RUN),
        (ApprovalMode.ASK, False, None),
    ],
)
def test_policy_without_asking(mode, read_only, expected):
    asker = (lambda r: None) if mode is ApprovalMode.ASK else None
    assert ApprovalPolicy(mode, asker).decide_now("s__t", read_only) == expected


def test_ask_with_nobody_to_answer_denies():
    assert ApprovalPolicy(ApprovalMode.ASK, None).decide_now("s__t", False) is Decision.DENY


async def test_trust_is_remembered_for_the_session():
    answers = [Decision.TRUST]

    async def asker(request):
        return answers.pop()

    policy = ApprovalPolicy(ApprovalMode.ASK, asker)
    req = ApprovalRequest(call_id="1", server="s", tool="t", qualified_name="s__t", arguments={}, annotations={})
    assert await policy.ask(req) is Decision.TRUST
    assert policy.decide_now("s__t", False) is Decision.RUN
    assert policy.decide_now("s__other", False) is None
