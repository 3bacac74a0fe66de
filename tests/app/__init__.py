"""Tests of rag.app: the Python API, the CLI, the UI and `rag eval`, end to end."""
