"""Keep the index in step with the articles folder while it changes.

`rag index --watch` and `rag serve --watch` use this: watchfiles (Rust's
`notify`, no polling) reports changes to article files; once they have been
quiet for QUIET_MS (or have gone on for BATCH_MS), one incremental build runs
(only the changed articles are embedded). Builds run one at a time: changes made during a build
are collected and handled by the next, and the build lock keeps other
processes' builds out too. Readers switch to the new index state on their next
question (the manifest's stamp changes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from rag.core.config import Settings
from rag.index.build import IndexStats, build_index
from rag.ingest.reader import SUPPORTED_SUFFIXES

# An editor's save or a copied folder arrives as several events: a rebuild
# starts when none came for QUIET_MS, or after BATCH_MS of steady changes.
QUIET_MS = 400
BATCH_MS = 2000


def is_article(path: str) -> bool:
    """A change worth a rebuild: an article file, not a hidden or temporary one."""
    name = Path(path).name
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES and not name.startswith((".", "~")) and not name.endswith("~")


def watch(
    settings: Settings,
    on_build: Callable[[IndexStats], None],
    on_error: Callable[[Exception], None],
    stop: threading.Event | None = None,
) -> None:
    """Rebuild after each settled batch of article changes until `stop` is set
    (or Ctrl-C). A failed build is reported and watching goes on: the next
    change may fix it (a half-copied file, a folder being moved)."""
    from watchfiles import watch as changes  # only the watching commands need it

    for _ in changes(settings.seeds_dir, watch_filter=lambda _change, path: is_article(path), debounce=BATCH_MS, step=QUIET_MS, stop_event=stop):
        try:
            on_build(build_index(settings))
        except Exception as exc:  # e.g. the folder vanished, the index is locked by a long rebuild
            on_error(exc)
