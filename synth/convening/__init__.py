"""One convening, end to end: the pipeline run, its result files, and the background job
that runs an upload and imports the result into the store."""
