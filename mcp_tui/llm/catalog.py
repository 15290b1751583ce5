"""What chuk-llm knows offline about providers and their models, for the model picker,
completion and the checks made before a switch.

chuk-llm 0.20.1 lists every built-in provider's models as ["*"] (any name; its registry finds
the real ones over the network), so a provider's known names are its default model, any
named models and aliases in its configuration, and the names chuk-llm's own capability table
gives for it. A list without "*" (our demo provider) is closed: no other name works.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel

os.environ.setdefault("CHUK_LLM_DISCOVERY_ENABLED", "false")  # before chuk_llm is imported

ANY = "*"


class ProviderInfo(BaseModel):
    name: str
    key_env: str | None = None  # the variable its key is read from; never the value
    has_key: bool = True  # True also when it needs none (ollama, the demo)
    default_model: str = ""
    models: list[str] = []  # known names, the default first
    any_model: bool = True  # accepts names not in `models`

    @property
    def key_note(self) -> str:
        """"" when usable as far as a key goes, else what is missing."""
        return "" if self.has_key else f"no key: {self.key_env} is not set"


def _config():
    from chuk_llm.configuration import get_config  # ~0.15 s, no network

    from mcp_tui.llm.demo_client import register_demo_provider

    register_demo_provider()  # "demo" is a provider like the others
    return get_config()


def provider_info(name: str, environ: Mapping[str, str] | None = None) -> ProviderInfo | None:
    """None for a provider chuk-llm does not know."""
    config = _config()
    if not config.provider_exists(name):
        return None
    provider = config.get_provider(name)
    env = os.environ if environ is None else environ
    variables = [v for v in (provider.api_key_env, provider.api_key_fallback_env) if v]
    has_key = not provider.api_key_env or "_runtime_api_key" in provider.extra or any(env.get(v) for v in variables)
    names = [provider.default_model] if provider.default_model else []
    names += [m for m in provider.models if m != ANY]
    names += list(provider.model_aliases)
    names += _capability_table_models(name)
    return ProviderInfo(
        name=name,
        key_env=provider.api_key_env,
        has_key=has_key,
        default_model=provider.default_model or "",
        models=list(dict.fromkeys(names)),
        any_model=ANY in provider.models or not provider.models,
    )


def providers(environ: Mapping[str, str] | None = None, keyed: str | None = None) -> list[ProviderInfo]:
    """Every provider chuk-llm knows, by name; `keyed` has a key from elsewhere (--api-key)."""
    names = sorted(_config().get_all_providers())
    infos = [info for name in names if (info := provider_info(name, environ)) is not None]
    return [i.model_copy(update={"has_key": True}) if i.name == keyed else i for i in infos]


def _capability_table_models(provider: str) -> list[str]:
    try:
        from chuk_llm.core.model_capabilities import MODEL_CAPABILITIES
    except ImportError:  # another chuk-llm release: the configuration alone
        return []
    return [name for name, info in MODEL_CAPABILITIES.items() if getattr(info, "provider", None) == provider]


def switch_problem(info: ProviderInfo | None, provider: str, model: str | None, key_given: bool = False) -> str | None:
    """Why switching to `provider`/`model` cannot work, or None. The key's variable is named,
    its value never shown."""
    if info is None:
        known = ", ".join(p.name for p in providers())
        return f"chuk-llm knows no provider called {provider!r}. Known: {known}."
    if model and not info.any_model and model not in info.models:
        one = "one model" if len(info.models) == 1 else f"{len(info.models)} models"
        return f"{provider} has {one}: {', '.join(info.models)}; {model!r} is not one of them."
    if not info.has_key and not key_given:
        return f"{provider} needs an API key: {info.key_env} is not set. Set it before starting mcp-tui (or pass --api-key)."
    if not (model or info.default_model):
        return f"{provider} has no default model: name one (/provider {provider} MODEL)."
    return None
