"""Staff exports of a convening's priority list: the report's records and shared pieces at the
bottom, the text and Office renderers above them, :mod:`synth.export.render` on top, and the
report itself read from the store (:mod:`synth.export.results`)."""
