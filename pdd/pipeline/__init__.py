"""How the pipeline runs: dvc.yaml generation, the stage runner, papermill, publication."""

import sys

# papermill imports nbformat, whose validator imports jsonschema, whose format checkers
# import rfc3987_syntax when it is installed (JupyterLab's dependencies bring it): it builds
# a grammar at import, ~3 s in every stage's runner. The notebook schema checks no IRIs.
sys.modules.setdefault("rfc3987_syntax", None)
