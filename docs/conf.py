"""Sphinx configuration of the ppprog documentation.

Built by ``make docs`` (``python -m sphinx -W --keep-going -b html docs docs/_build/html``):
warnings are errors, and every tutorial is a MyST text notebook executed on
every build (``nb_execution_mode = "force"``), so a failing cell fails the
build and every printed number and figure is real.
"""

from __future__ import annotations

from pathlib import Path

import ppprog
from ppprog.records.reference import write_reference

# The case-record reference is generated from the code on every build, so it cannot drift.
write_reference(Path(__file__).parent / "reference" / "records.md")

project = "ppprog"
author = "the ppprog authors"
copyright = "2026, the ppprog authors"  # noqa: A001
release = ppprog.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# -- MyST / MyST-NB ------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # execute every notebook on every build
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True  # and the log shows its traceback
nb_execution_timeout = 600
nb_execution_in_temp = True  # tutorials write their files into a scratch folder
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs (tables) render like the pages
# Every notebook runs on the "python3" kernel. jupyter_client starts that kernel with the
# interpreter running Sphinx (it replaces the spec's bare "python" by sys.executable), i.e.
# the project's .venv python on a fresh `make docs`; no kernelspec has to be installed.
nb_kernel_rgx_aliases = {".*": "python3"}

# -- API reference -------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # types are in the numpydoc sections; keeps signatures readable
autodoc_class_signature = "mixed"
autodoc_inherit_docstrings = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True  # "Attributes" as fields, not duplicate attribute entries
napoleon_use_rtype = False
napoleon_preprocess_types = False
nitpicky = False  # cross-references to numpy/pandas types are text, not links

# -- HTML ----------------------------------------------------------------------------------
# pydata-sphinx-theme, as scipy, statsmodels and scikit-survival use; long code and
# output lines scroll sideways (docs/_static/ppprog.css) instead of being cut off.
html_theme = "pydata_sphinx_theme"
html_title = f"ppprog {release}"
html_static_path = ["_static"]
html_css_files = ["ppprog.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# the top bar holds the navigation; no empty left sidebar, so the article gets the width
html_sidebars: dict[str, list[str]] = {"**": []}
