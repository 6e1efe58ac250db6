"""AppTest's main script: runs the project's app.py from this folder.

Streamlit treats a `pages/` folder next to the main script as its old multipage mode,
and AppTest re-enters that mode before every run; started from here (no pages/ folder
beside it), every AppTest run goes through app.py's login gate and st.navigation exactly
as the served app does. The pages are registered with absolute paths, so they resolve
from here too.
"""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"))
