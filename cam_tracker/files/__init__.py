"""Reading data files: YAML, workflow definitions (and every fact they own), plan files.

Only `files.workflow` imports `transitions`.
"""
