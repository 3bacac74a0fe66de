"""Stage 1: article files in, cleaned `Document`s and sentence-aware `Chunk`s out."""
