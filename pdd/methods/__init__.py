"""Base distillation methods. Each learns one stage's images given the frozen earlier ones."""
