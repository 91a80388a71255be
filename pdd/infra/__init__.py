"""Infrastructure: paths, files, checkpoints, seeds and threads, plots, worker processes.
Imports nothing else of pdd."""
