"""Progressive Dataset Distillation (PDD): a runnable companion to arXiv 2310.06982."""

__version__ = "0.1.0"
