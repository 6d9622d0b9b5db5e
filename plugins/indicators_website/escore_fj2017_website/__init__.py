"""escore rule pack: 2017 Fujian e-government assessment, 政府网站建设 (ruleset ``fj2017``).

Table L scores the 10 cities (city column, section weight 30) and the 83 counties
(county column, weight 100); Table D scores the 38 provincial departments (weight 35).
"""
