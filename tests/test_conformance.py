"""The official MCP conformance suite's client scenarios, each run against the real app headless."""

from __future__ import annotations

import pytest

from tests.support.conformance import run_client_scenario

# Every client scenario of @modelcontextprotocol/conformance 0.1.16 (`conformance list`);
# test_the_list_is_complete fails when a new version adds one.
SCENARIOS = [
    "initialize", "tools_call", "elicitation-sep1034-client-defaults", "sse-retry",
    "auth/metadata-default", "auth/metadata-var1", "auth/metadata-var2", "auth/metadata-var3",
    "auth/basic-cimd", "auth/scope-from-www-authenticate", "auth/scope-from-scopes-supported",
    "auth/scope-omitted-when-undefined", "auth/scope-step-up", "auth/scope-retry-limit",
    "auth/token-endpoint-auth-basic", "auth/token-endpoint-auth-post", "auth/token-endpoint-auth-none",
    "auth/pre-registration", "auth/2025-03-26-oauth-metadata-backcompat", "auth/2025-03-26-oauth-endpoint-fallback",
    "auth/resource-mismatch", "auth/offline-access-scope", "auth/offline-access-not-supported",
    "auth/client-credentials-jwt", "auth/client-credentials-basic", "auth/cross-app-access-complete-flow",
]


def test_the_list_is_complete():
    from tests.support.conformance import client_scenarios

    assert client_scenarios() == SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_client_scenario(scenario, tmp_path):
    checks = run_client_scenario(scenario, tmp_path)
    failed = [f"{c['id']}: {c.get('errorMessage') or c.get('details')}" for c in checks if c["status"] == "FAILURE"]
    assert checks and not failed, "\n".join(failed)
