"""escore rule pack: 2017年度福建省电子政务绩效考核, 综合应用 of the 38 省直单位 (65 points).

The indicators live in :mod:`.comprehensive`, the evidence schema and fixtures in
:mod:`.evidence`; :mod:`.plugin` registers both with escore (entry point
``fj2017-provincial``).
"""

from pathlib import Path

HERE = Path(__file__).parent

#: The notice the citations quote (the scraped PDF text, shipped for checking).
NOTICE = HERE / "notice.txt"
