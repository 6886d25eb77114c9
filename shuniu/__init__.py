"""shuniu (枢纽): Party-building work in social organizations."""

__version__ = "0.1.0"
