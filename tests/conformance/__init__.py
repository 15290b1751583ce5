"""The official MCP conformance suite's client side: `client.py` is the command the suite runs."""
