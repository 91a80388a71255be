"""The names of the evaluation recipes (`evaluate.recipes`; built by
`pdd.config.context.recipe`): the `eval` section as it is; translation only instead of DSA
(the plainer recipe of the distillation benchmarks); no augmentation; ConvNet-128. Apart so
that the `evaluate` section and the context share them without importing each other."""

RECIPES = ("default", "shift", "plain", "wide")
