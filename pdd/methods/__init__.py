"""Base distillation methods behind one interface (`base.Distiller`): the progressive
driver calls `distill(task)` whatever the method, so adding one never touches it."""

METHODS = ("mtt", "dc", "dsa", "idc", "dm")
