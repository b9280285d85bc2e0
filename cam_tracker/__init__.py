"""cam-tracker: run a committee's work plan from the command line."""

__version__ = "0.1.0"
