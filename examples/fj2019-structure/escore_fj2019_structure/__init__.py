"""ILLUSTRATIVE: the 2019 Fujian front matter over the 2017 rules (see README.md)."""
