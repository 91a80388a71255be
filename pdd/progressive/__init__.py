"""The PDD driver, above the base methods it drives: schedules (progressive, sequential,
union), the transitions between stages, and stages conditioned on the frozen earlier ones."""
