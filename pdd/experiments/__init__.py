"""What a stage runs: distillation runs planned from the validated params, the search, the
ablation variants and the base-method comparison; and the runs that train networks on sets
(the scorings, random real baselines, the headline, scaling, forgetting statistics,
cross-architecture and continual learning). The analyses above read what these produce."""
