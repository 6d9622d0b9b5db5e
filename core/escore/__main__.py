from escore_cli import script

script()
