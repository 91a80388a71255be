"""The one error type of the data layer: always names the file and how to fix it."""


class DataFileError(RuntimeError):
    """A dataset file is missing, corrupt or malformed."""
