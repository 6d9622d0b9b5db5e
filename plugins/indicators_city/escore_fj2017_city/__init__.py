"""escore rule pack: fj2017 设区市政府、平潭综合实验区管委会 — 综合应用 (70 points).

Registered through the entry point ``fj2017-city`` (module :mod:`escore_fj2017_city.plugin`).
"""

__version__ = "0.1.0"
