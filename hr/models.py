"""hr models: none yet (see the package docstring)."""
