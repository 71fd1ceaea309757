"""Data, not code: library knowledge (knowledge.toml) and one documentation file per rule.

Installed as the package ``retainlint._rules`` so that the engine finds the files wherever
retainlint is installed; this module only makes the folder importable on Python 3.9.
"""
