"""Which params section holds each base method's own settings. Kept apart from the
`distill` section's model so that the stage registry can read it without importing the
methods (a stage's code deps stay the code it runs)."""

METHOD_SECTIONS = {"mtt": "mtt", "dc": "matching", "dsa": "matching", "idc": "matching", "dm": "dm"}
