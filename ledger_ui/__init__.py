"""What the browser app's pages share (the only package besides pages/ that imports Streamlit
or plotly): the cached Ledger, sign-in, the page list by role, URL query parameters <->
requests, cached and scoped results, DataFrames with their column configuration, plotly
figures, and small page furniture. Everything else is `ledger_core`'s."""
