"""A second year of the demo ruleset as a plugin module, loaded by name (ESCORE_PLUGINS) in tests."""

from .test_rulesets import next_year

_plugin = next_year("demo2025", 2025)

escore_register_rulesets = _plugin.escore_register_rulesets
escore_register_categories = _plugin.escore_register_categories
escore_register_sections = _plugin.escore_register_sections
escore_register_indicators = _plugin.escore_register_indicators
escore_register_fixtures = _plugin.escore_register_fixtures
escore_register_rosters = _plugin.escore_register_rosters
