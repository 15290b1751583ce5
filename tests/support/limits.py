"""The only two kinds of time limit a test may use, so that none rests on a wall-clock margin.

GENEROUS bounds what must *not* time out: CI may share a busy machine, where starting a server
or drawing a frame can take many times longer than on an idle one. SHORT is used only against
calls that hang for ever (the unruly server's `hang`, a server that never answers), so only the
timeout can end them and its length does not matter."""

GENEROUS = 120.0
SHORT = 0.5


async def eventually(predicate, what: str = "the condition", timeout: float = GENEROUS) -> None:
    """Wait until `predicate()` is true (it is asked again every few ms), failing with `what`
    only once the generous limit has passed: for tests without a Pilot to pause."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"never: {what}"
        await asyncio.sleep(0.02)
