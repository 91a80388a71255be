"""One module per section of params.yaml, `pdd/config/sections/<section>.py`, each
defining its model as `SECTION`. A stage imports only the sections it reads, so editing one
section's schema stales only the stages that read it (`pdd.config.schema` assembles all)."""
