"""A minimal escore rule pack (ruleset ``demo2024``): towns with a service section and a website section."""
