"""Judge: pure decisions on extracted sections — ``classify`` (coverage status and prior
authorization by wording rules) and ``diff`` (a Version per document, change kinds between
two versions, unified and word-level diffs for people).
May import: tracker.models, tracker.vocab. No I/O.
"""
