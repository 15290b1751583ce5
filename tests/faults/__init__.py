"""The fault matrix: one module per row group of what can go wrong."""
