"""Stage 3: a question to ranked `Passage`s and `Sentence`s (dense, lexical and latent arms, fused)."""
