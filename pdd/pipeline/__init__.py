"""The pipeline: the stage registry, the stage runner (papermill), publication into
reports/, and dvc.yaml generated from the registry."""
