"""The data layer: SQLAlchemy 2 models, sessions and queries. Knows no channel."""
