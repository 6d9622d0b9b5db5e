"""pytest plugin (entry point ``pytest11``): collects golden case files as test items.

It imports nothing of escore at module level, so that pytest runs in projects
without golden cases stay as fast as before.
"""

from __future__ import annotations
