"""The algorithm: networks, training, augmentation, expert trajectories, synthetic sets,
the progressive schedule and its evaluation. Builds on infra, data and methods."""
