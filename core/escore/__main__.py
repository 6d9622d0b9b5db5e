from escore._console import script

script()
