"""What a stage runs: distillation runs planned from the validated params, the search, the
ablation variants and the base-method comparison; and the scorings that train networks on
their sets. The analyses above read what these produce."""
