"""The analyses of the paper beyond the headline: cross-architecture, continual learning,
scaling, variant runs, and the tables the notebooks show."""
