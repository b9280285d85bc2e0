"""What every layer may use: dates, texts and languages, errors, settings, resources.

Nothing here touches the store or parses a data file; nothing here imports a
heavy library at import time.
"""
