"""Stage 4: ranked sentences to a checked `Answer` with numbered citations, streamed as typed events."""
