"""escore used from Python: README.md's "Using escore from Python", which shows all of this file
but this docstring, run from the repository's root by tests/test_readme.py."""

import escore

catalog = escore.Catalog(escore.make_plugin_manager(), complete=True)
SAMPLE = "plugins/indicators_website/escore_fj2017_website/sample/county"
result = escore.run_category(catalog, "county", evidence=[SAMPLE])
print(result.status_counts())
for rank, unit in zip(result.ranks[:2], result.units):
    print(rank, unit.unit.code, unit.unit.name, unit.total, [(s.name, s.points) for s in unit.sections])

one = escore.run_category(catalog, "county", evidence=[SAMPLE], only="xiamen.siming")
for item in one.units[0].indicators[:2]:
    print(item.code, item.status, item.points, "of", one.plan.nodes[item.code].max, item.reasons)

with escore.use_language("zh", catalog):
    chinese = escore.run_category(catalog, "county", evidence=[SAMPLE], only="xiamen.siming")
print(chinese.units[0].indicators[0].reasons)


class Tally:
    @escore.hookimpl
    def escore_run_finished(self, result):
        print(result.plan.category.key, dict(result.counts))


tallied = escore.Catalog(escore.make_plugin_manager(extra=[Tally()]), complete=True)
escore.run_category(tallied, "city", explain=False)

try:
    escore.run_category(catalog, "county", only="xiamen.simng")
except escore.EscoreError as error:
    print(type(error).__name__, error)
