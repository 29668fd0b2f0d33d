"""synth: from the recordings of a sector-partnership convening to its shared priorities."""

__version__ = "0.1.0"
