"""The progress report: gathering its data (one function per section) and rendering it."""
