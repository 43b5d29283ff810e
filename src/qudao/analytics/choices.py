"""Choices the review's modules share without loading its models (the engine runs them)."""

from django.db import models


class Engine(models.TextChoices):
    """The engines a review runs on: the one list (CLI choices, API, form, checks)."""

    DUCKDB = "duckdb", "DuckDB"
    SPARK = "spark", "Spark"
