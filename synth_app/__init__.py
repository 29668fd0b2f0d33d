"""The synth web app: a thin Streamlit layer over the library (``streamlit run app.py``).

The library (``synth/``) never imports this package or streamlit.
"""
