"""Stage 2: chunks to a stored index: vectors in Chroma, the BM25 corpus, latent terms, the manifest."""
