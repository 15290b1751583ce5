"""The app's side of the preferences: the theme kept across runs, trust answers confirmed,
and the Trusted tools screen (see config/preferences.py for the file)."""

from __future__ import annotations

import logging

from mcp_tui.config import preferences
from mcp_tui.ui.screens.trusted import TrustedToolsScreen

log = logging.getLogger(__name__)


class PreferenceActions:
    """Mixed into McpTuiApp."""

    _kept_theme: str | None = None  # what the file holds; None until restore_theme ran

    def restore_theme(self) -> None:
        """Start with the saved theme (a damaged file is reported by the engine, not here)."""
        saved, _ = preferences.read()
        if saved.theme and saved.theme in self.available_themes:
            self.theme = saved.theme
        elif saved.theme:
            log.warning("the saved theme %r is not available; keeping %s", saved.theme, self.theme)
        self._kept_theme = self.theme

    def watch_theme(self, theme: str) -> None:
        """The palette's theme switch (Textual's App.theme): kept for the next start."""
        if self._kept_theme is None or theme == self._kept_theme:
            return
        self._kept_theme = theme
        self.run_worker(self._save_theme, thread=True, group="preferences")

    def _save_theme(self) -> None:
        try:  # the theme is read under the file's lock: the last switch is what gets written
            preferences.update(lambda prefs: prefs.model_copy(update={"theme": self._kept_theme}))
        except preferences.NotSaved as exc:
            self.call_from_thread(self.notify, f"Theme not kept for the next start: {exc}", severity="warning", markup=False)

    def confirm_trust(self, text: str, ok: bool) -> None:
        """Item 20: a trust answer is confirmed, with where to take it back."""
        self.notify(text, severity="information" if ok else "warning", timeout=6, markup=False)

    def action_keep_model(self) -> None:
        """The model talked to now becomes the default of the next start (settings.toml)."""
        llm, resolution = self.engine.llm, self.engine.resolution
        if llm.provider == "demo":
            choice = {"provider": "demo", "model": None, "api_base": None}
        elif resolution is not None and resolution.kind == "local" and llm.model == resolution.model:
            choice = {"provider": "local", "model": None, "api_base": None}  # its server's address changes per run
        else:
            choice = {"provider": llm.provider, "model": llm.model, "api_base": llm.settings.api_base}
        if choice["api_base"] and preferences.holds_credentials(choice["api_base"]):
            self.notify("Not kept: the server's URL carries credentials, and secrets are never written to files. "
                        "Pass --api-base (or set MCP_TUI_API_BASE) each time.", severity="warning", markup=False)
            return
        label = self.engine.context.model_label
        self.run_worker(lambda: self._keep_model(choice, label), thread=True, group="preferences")

    def _keep_model(self, choice: dict, label: str) -> None:
        try:
            preferences.update(lambda prefs: prefs.model_copy(update=choice))
        except preferences.NotSaved as exc:
            self.call_from_thread(self.notify, f"Not kept: {exc}", severity="warning", markup=False)
            return
        self.call_from_thread(self.notify, f"{label} is the default from the next start (flags and MCP_TUI_PROVIDER still win).", markup=False)

    def action_trusted_tools(self) -> None:
        self.push_screen(TrustedToolsScreen(self.engine.policy.saved))
