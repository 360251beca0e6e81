"""Message triage: is this message extortion, which words give it away, and what to do now.

Pure: no database, no web, no settings. ``analyze(text, lang=None) -> Verdict``.
"""

from amparo.triage.analysis import MAX_CHARS, FlagResult, Level, Verdict, analyze, analyze_many

__all__ = ["MAX_CHARS", "FlagResult", "Level", "Verdict", "analyze", "analyze_many"]
