"""Turns to statements and their vectors: typed transcripts, the roster, statements, embeddings."""
