"""From params.yaml to objects: the schema, loading and validation, and the builders that
turn validated sections into the algorithm's configs."""
