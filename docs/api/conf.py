"""Sphinx configuration of the Yunli API reference (built from the docstrings).

Build: ``sphinx-build -W --keep-going -b html docs/api build/docs`` (``scripts/lint.sh``
runs it, warnings as errors).
"""

from __future__ import annotations

project = "Yunli"
author = "Yunli developers"
copyright = "Yunli developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# The native module is documented by its stub (engine/_core.pyi), not imported here.
autodoc_mock_imports = ["engine._core"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
