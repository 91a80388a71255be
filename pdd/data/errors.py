"""The one error type of the data layer."""


class DataFileError(RuntimeError):
    """A dataset file is missing, corrupt or malformed. The message always names the file
    (and, where it can, how to provide a good one), on a single line, so command-line
    entry points can print it without a traceback."""
