"""What every stage shares: settings, Arabic/English text handling, reader notices, model files.

Imports nothing else of `rag`; the layers above (ingest -> index -> search -> answer -> app)
import only downstream, which `lint-imports` checks in CI (pyproject.toml, [tool.importlinter]).
"""
