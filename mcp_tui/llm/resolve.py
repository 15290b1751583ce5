"""Which provider to talk to when the user did not say: each step is recorded so the
sidebar and `mcp-tui --doctor` can explain the choice.

Order: flags → the provider a resumed session was with (its meta record) →
MCP_TUI_PROVIDER/MCP_TUI_MODEL/MCP_TUI_API_BASE → the default saved in settings.toml (only
listed when there is one) → the first hosted provider whose API key is in the environment →
Ollama answering on localhost → the embedded local model, if installed → the demo guide.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel

from mcp_tui.config.settings import Settings
from mcp_tui.models.provider import Flags, Resolution, Step

# Tried first, in this order; other chuk-llm providers with a key variable follow by name.
PREFERRED = ["openai", "anthropic", "gemini", "groq", "mistral", "deepseek"]
# Known to need more than a key (endpoint, project) or to be broken in chuk-llm 0.20.1.
NOT_AUTOMATIC = {"openai_compatible", "openrouter", "azure_openai", "watsonx", "demo"}
OLLAMA_URL = "http://localhost:11434"
OLLAMA_TIMEOUT = 0.4  # a refused port answers at once; this only bounds a silent one


class Saved(BaseModel):
    """The provider a saved session talked to, as its meta record says."""

    session_id: str
    provider: str
    model: str | None = None
    api_base: str | None = None
    kind: str | None = None

    @classmethod
    def from_meta(cls, session_id: str, meta: Mapping) -> "Saved | None":
        """None when the record names no provider (a damaged or very old file)."""
        values = {k: meta.get(k) if isinstance(meta.get(k), str) and meta.get(k) else None for k in ("provider", "model", "api_base", "kind")}
        return cls(session_id=session_id, **values) if values["provider"] else None

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model or 'its default model'}"


class Default(BaseModel):
    """The default provider and model of the settings file (config/preferences.py)."""

    provider: str
    model: str | None = None
    api_base: str | None = None
    where: str = "settings.toml"


def resolve(
    flags: Flags,
    environ: Mapping[str, str] | None = None,
    *,
    ollama: Callable[[], tuple[list[str] | None, str]] | None = None,
    local: Callable[[], tuple[Path | None, str, str]] | None = None,
    full: bool = False,
    saved: Saved | None = None,
    default: Default | None = None,
) -> Resolution:
    """The first step that gives a provider wins; with `full` every later step is still
    checked (for --doctor), else they are listed as not tried. `saved` is the provider of
    the session being resumed: it comes right after the flags; `default` is the settings
    file's, after the environment."""
    env = os.environ if environ is None else environ
    steps: list[Step] = []
    chosen: Resolution | None = None

    def take(step: Step, result: Resolution | None) -> None:
        nonlocal chosen
        if result is not None and chosen is None:
            step.chosen = True
            chosen = result
        steps.append(step)

    if flags.provider == "local":
        path, name, why = (local or _local_model)()
        result = _local(path, name) if path else None
        take(Step(source="flags", detail="--provider local" + ("" if path else f", but {why} (mcp-tui install-local)"), short="local" if path else "local: not installed"), result)
    elif flags.provider or flags.api_base or (flags.api_key_given and saved is None):
        provider = flags.provider or "openai"
        what = " ".join(f"--{k} {v}" for k, v in (("provider", flags.provider), ("model", flags.model), ("api-base", flags.api_base)) if v)
        take(Step(source="flags", detail=what or "--api-key", short=flags.provider or "--api-base"), Resolution(provider=provider, model=flags.model, api_base=flags.api_base, kind="flags"))
    else:
        take(Step(source="flags", detail="no --provider or --api-base", short="none"), None)

    if saved is not None and chosen is None:
        take(*_saved_step(saved, flags, env, local))
        if chosen is None and flags.api_key_given:  # --api-key alone, as without a session: for openai
            take(Step(source="flags", detail="--api-key", short="--api-key"), Resolution(provider="openai", model=flags.model, kind="flags"))

    env_provider, env_base, env_model = env.get("MCP_TUI_PROVIDER"), env.get("MCP_TUI_API_BASE"), env.get("MCP_TUI_MODEL")
    if env_provider or env_base:
        detail = ", ".join(f"{k}={env[k]}" for k in ("MCP_TUI_PROVIDER", "MCP_TUI_MODEL", "MCP_TUI_API_BASE") if env.get(k))
        take(Step(source="environment", detail=detail, short=env_provider or "MCP_TUI_API_BASE"), Resolution(provider=env_provider or "openai", model=flags.model or env_model, api_base=env_base, kind="env"))
    else:
        take(Step(source="environment", detail="MCP_TUI_PROVIDER and MCP_TUI_API_BASE not set", short="none"), None)

    def later(source: str) -> bool:
        if chosen is not None and not full:
            steps.append(Step(source=source, detail="not tried", short="not tried"))
            return True
        return False

    model = flags.model or env_model
    if default is not None and not later("settings file"):
        take(*_default_step(default, model, local))

    if not later("API keys"):
        hosted = _hosted_with_key(env)
        if hosted:
            provider, var = hosted[0]
            others = f" (also set: {', '.join(v for _, v in hosted[1:])})" if len(hosted) > 1 else ""
            take(Step(source="API keys", detail=f"{var} is set → {provider}{others}", short=var), Resolution(provider=provider, model=model, kind="hosted"))
        else:
            take(Step(source="API keys", detail="no provider's key variable is set", short="none set"), None)

    if not later("Ollama"):
        url = ollama_url(env)
        models, why = (ollama or (lambda: probe_ollama(url)))()
        if models:
            pick = model if model in models else ("llama3.2" if "llama3.2" in models else models[0])
            found = Resolution(provider="ollama", model=pick, api_base=url, kind="ollama")
            take(Step(source="Ollama", detail=f"answering at {url} with {len(models)} model(s) → {pick}", short=pick), found)
        else:
            take(Step(source="Ollama", detail=why, short="not answering" if why.startswith("nothing") else "no model pulled"), None)

    if not later("local model"):
        path, name, why = (local or _local_model)()
        if path is not None:
            take(Step(source="local model", detail=f"{name} at {path}", short=name), _local(path, name))
        else:
            take(Step(source="local model", detail=why, short="not installed"), None)

    take(Step(source="demo", detail="always available: a guide to the app that calls real tools", short="guide"), Resolution(provider="demo", model="guide", kind="demo"))
    assert chosen is not None
    note = None
    passed = [s for s in steps if s.source == "session" and not s.chosen]
    if passed:  # the session's own provider could not be used: say so, and what is used instead
        name = chosen.label or f"{chosen.provider}/{chosen.model or 'its default model'}"
        note = f"The {passed[0].detail}: using {name} instead (mcp-tui --doctor explains)."
    return chosen.model_copy(update={"steps": steps, "note": note, "flags": flags})


def settings_for_session(settings: Settings, session_id: str, meta: Mapping) -> Settings:
    """`settings` talking to the provider this saved session was with, chosen as --resume
    chooses (the flags the app started with still win). Settings given directly, with no
    resolution, count as flags."""
    resolution = settings.resolution
    if resolution is not None and resolution.flags is not None:
        flags = resolution.flags
    else:
        flags = Flags(provider=settings.provider, model=settings.model, api_base=settings.api_base, api_key_given=settings.api_key is not None)
    return settings.resolved(resolve(flags, saved=Saved.from_meta(session_id, meta)))


def session_meta(api_base: str | None, resolution: Resolution | None) -> dict[str, str]:
    """What a new session's meta record keeps of how its provider was reached, so a resume
    finds it again. A base URL carrying credentials (user:pass@, a query) is not kept."""
    meta = {"kind": resolution.kind} if resolution is not None else {}
    if api_base:
        parts = urlsplit(api_base)
        if not (parts.username or parts.password or parts.query or parts.fragment):
            meta["api_base"] = api_base
    return meta


def _saved_step(saved: Saved, flags: Flags, env: Mapping[str, str], local) -> tuple[Step, Resolution | None]:
    """The session's own provider, if it can be used now (its key is set, the local model is there)."""
    said = f"session {saved.session_id} was with {saved.label}"
    if saved.kind == "local":
        path, name, why = (local or _local_model)()
        if path is None:
            return Step(source="session", detail=f"session {saved.session_id} was with the local model, but {why}", short="local: not installed"), None
        return Step(source="session", detail=said, short=name), _local(path, name)
    if saved.api_base and not _trusted_base(saved.api_base, env):
        return Step(source="session", detail=f"{said} at {saved.api_base}, which is not on this machine: pass --api-base to use it again", short="remote base URL"), None
    model = flags.model or saved.model
    found = Resolution(provider=saved.provider, model=model, api_base=saved.api_base, kind="session", flag_key=flags.api_key_given and saved.provider == "openai")
    if saved.provider == "demo":
        return Step(source="session", detail=said, short="guide"), found.model_copy(update={"model": "guide"})
    try:
        var = _key_variable(saved.provider)
    except Exception:  # chuk-llm no longer knows it
        return Step(source="session", detail=f"{said}, a provider chuk-llm does not know", short="unknown provider"), None
    if var and not env.get(var) and not found.flag_key:
        return Step(source="session", detail=f"{said}, but {var} is not set", short=f"no {var}"), None
    return Step(source="session", detail=said, short=saved.provider), found


def _default_step(default: Default, model: str | None, local) -> tuple[Step, Resolution | None]:
    """The provider the user kept as the default in the settings file."""
    what = ", ".join(f"{k} = {v}" for k, v in (("provider", default.provider), ("model", default.model), ("api_base", default.api_base)) if v) + f" in {default.where}"
    if default.provider == "local":
        path, name, why = (local or _local_model)()
        if path is None:
            return Step(source="settings file", detail=f"{what}, but {why} (mcp-tui install-local)", short="local: not installed"), None
        return Step(source="settings file", detail=what, short=name), _local(path, name)
    if default.provider == "demo":
        return Step(source="settings file", detail=what, short="demo"), Resolution(provider="demo", model="guide", kind="demo")
    return Step(source="settings file", detail=what, short=default.provider), Resolution(provider=default.provider, model=model or default.model, api_base=default.api_base, kind="settings")


def _trusted_base(url: str, env: Mapping[str, str]) -> bool:
    """Whether a base URL read from a session file may get the conversation and the key from
    the environment: one on this machine, or the one the environment names anyway. A session
    file is not trusted: one made elsewhere must not send OPENAI_API_KEY to its own server."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.startswith("127.") or host == "::1":
        return True
    return url.rstrip("/") in {u.rstrip("/") for u in (env.get("MCP_TUI_API_BASE"), ollama_url(env)) if u}


def _local(path: Path, name: str) -> Resolution:
    """The embedded model, served OpenAI-style by llama.cpp; too small to call tools."""
    return Resolution(provider="openai", model=name, kind="local", tools=False, local_model_path=path)


def _key_variable(provider: str) -> str | None:
    """The environment variable with the provider's API key (None: it needs none)."""
    from chuk_llm.configuration import get_config  # ~0.15 s; no network

    return get_config().get_provider(provider).api_key_env


def _hosted_with_key(env: Mapping[str, str]) -> list[tuple[str, str]]:
    from chuk_llm.configuration import get_config  # ~0.15 s; no network

    config = get_config()
    names = [n for n in PREFERRED if config.provider_exists(n)]
    names += sorted(n for n in config.get_all_providers() if n not in names)
    found = []
    for name in names:
        if name in NOT_AUTOMATIC:
            continue
        var = config.get_provider(name).api_key_env
        if var and env.get(var):
            found.append((name, var))
    return found


def ollama_url(env: Mapping[str, str]) -> str:
    """Where Ollama listens: OLLAMA_HOST (Ollama's own variable, "host:port" or a URL) or the default."""
    host = env.get("OLLAMA_HOST", "").strip().rstrip("/")
    if not host:
        return OLLAMA_URL
    return host if "://" in host else f"http://{host}"


def probe_ollama(url: str = OLLAMA_URL, timeout: float = OLLAMA_TIMEOUT) -> tuple[list[str] | None, str]:
    """Model names if an Ollama server answers, else None and why not."""
    try:
        with urllib.request.urlopen(f"{url}/api/tags", timeout=timeout) as response:
            data = json.loads(response.read(1_000_000))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"nothing answering at {url} ({reason})"
    models = [m.get("name") for m in data.get("models", []) if isinstance(m, dict) and m.get("name")]
    if not models:
        return None, f"answering at {url} but no model is pulled (ollama pull llama3.2)"
    return models, "ok"


def _local_model() -> tuple[Path | None, str, str]:
    from mcp_tui.llm.local_model import local_model_status

    model, why = local_model_status()
    if model is None or not getattr(model, "runtime_available", True):
        return None, "", why
    return Path(model.path), model.name, "ok"
