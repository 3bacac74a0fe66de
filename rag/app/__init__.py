"""Stage 5: what people use: the Python API, the `rag` command, the Gradio UI and `rag eval`."""
