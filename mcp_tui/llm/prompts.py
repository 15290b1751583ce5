"""Prompts the LLM side must recognise as well as send (the demo guide answers summary requests)."""

SUMMARY_PROMPT = (
    "Summarise the conversation below so that you can continue it later without seeing it: "
    "the user's goals, facts and decisions, tool results that matter, and open questions. "
    "Plain prose or short bullets, at most 200 words."
)
