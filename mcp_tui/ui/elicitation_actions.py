"""The app's side of elicitation: puts a server's question on screen (as the engine's asker)
and says what happened to the ones nobody saw."""

from __future__ import annotations

import asyncio

from mcp_tui.engine.elicitation import ElicitationAnswer, ElicitationRequest
from mcp_tui.models.events import ElicitationAnswered, ElicitationCompleted
from mcp_tui.ui.screens.elicitation import UrlElicitationScreen, screen_for


class ElicitationActions:
    async def ask_elicitation(self, request: ElicitationRequest) -> ElicitationAnswer:
        """Show the form (or the URL) and wait for the answer. It is asked during a tool call:
        the turn's worker is not blocked (the SDK calls us from the session's own task), and
        the call's timeout is held while the dialog is open (see servers/user_wait.py)."""
        future: asyncio.Future[ElicitationAnswer] = asyncio.get_running_loop().create_future()

        def answered(answer: ElicitationAnswer | None) -> None:
            if not future.done():
                future.set_result(answer or ElicitationAnswer(action="cancel"))

        screen = screen_for(request)
        self.push_screen(screen, answered)
        try:
            return await future
        finally:
            # The server withdrew the question (its call was cancelled or timed out): close it.
            if not future.done() and screen.is_current:
                screen.dismiss(ElicitationAnswer(action="cancel"))

    def show_elicitation_event(self, event: ElicitationAnswered | ElicitationCompleted) -> None:
        if isinstance(event, ElicitationCompleted):
            screen = self.screen
            if isinstance(screen, UrlElicitationScreen) and screen.request.elicitation_id == event.elicitation_id:
                screen.dismiss(ElicitationAnswer(action="accept"))
            self.notify(f"{event.server}: the browser step is done.", markup=False)
        elif event.by != "you":  # answered without asking: say why
            self.notify(f"{event.server} asked a question mcp-tui could not show ({event.why}); it was declined.", severity="warning", markup=False)
