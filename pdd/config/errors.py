"""The one error a params problem raises, phrased as one line for the user. Apart from the
loader so that the stage registry and the sections can raise it without importing it."""


class ParamsError(ValueError):
    """A params.yaml problem, already phrased as one line for the user."""
