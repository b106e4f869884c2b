"""The run layer behind ``train.py``: the command line, run configs (TOML) and the registries of
the choices a config names (data sets, model kinds, optimisers, schedules).

Everything below this layer (``training``, ``models``, ``layers``, ``optim``, ``data`` …) knows
nothing of configs or TOML; nothing below imports from here.
"""
