"""The words people read, each defined once: code labels, status and prior-auth words, payer and plan names.

JSON keeps the contract's values (``not_covered``); everything a person reads — the run
summary, stored change summaries, `tracker diff`/`show`, the digest, the report — says
them through these functions. Pure; imports only ``tracker.models``.
"""

from __future__ import annotations

from tracker.models import Status

DEFAULT_CODE = "64600"
"""The code the tracker follows first (CPT 64600, neurodestructive injection of the trigeminal nerve)."""

STATUS_WORDS: dict[str, str] = {"not_covered": "not covered"}
"""Statuses in running text; the others read as they are written."""

STATUS_LABELS = {
    "covered": "Covered",
    "not_covered": "Not covered",
    "experimental": "Experimental / investigational",
    "mentioned": "Mentioned (stance unclear)",
    "absent": "Absent from the policy",
    "retired": "Retired (no longer applies)",
}
"""Statuses as labels that stand alone (the report's badges)."""

PAYER_NAMES = {"aetna": "Aetna", "bcbs": "BCBS", "cigna": "Cigna", "uhc": "UnitedHealthcare", "medicare": "Medicare"}

PLAN_NAMES = {
    "anthem": "Anthem",
    "horizon-nj": "Horizon BCBSNJ",
    "bcbs-al": "BCBS of Alabama",
    "florida-blue": "Florida Blue",
    "premera": "Premera Blue Cross",
    "ngs": "NGS",
    "first-coast": "First Coast",
    "noridian": "Noridian",
    "novitas": "Novitas",
    "palmetto": "Palmetto GBA",
    "cgs": "CGS",
    "wps": "WPS",
}
"""Display names of the plan slugs used in sources.toml (BCBS plans, Medicare contractors)."""


def code_label(code: str) -> str:
    """ "CPT 64600", or "HCPCS J1234" for a code starting with a letter."""
    return f"{'CPT' if code[:1].isdigit() else 'HCPCS'} {code}"


def status_word(status: Status | str | None) -> str:
    """A status as people read it: ``not_covered`` → "not covered"; None → "unknown"."""
    return STATUS_WORDS.get(status or "", status or "unknown")


OUTCOME_WORDS = {"new": "new (first capture)", "changed": "changed", "unchanged": "unchanged", "error": "failed"}
"""A source's outcome in one run, as people read it (JSON keeps new / changed / unchanged / error)."""


def outcome_word(outcome: str) -> str:
    """A run outcome as people read it: ``error`` → "failed"."""
    return OUTCOME_WORDS.get(outcome, outcome)


def prior_auth_word(value: bool | None) -> str:
    """Prior authorization as people read it: required / not required / unknown."""
    if value is None:
        return "unknown"
    return "required" if value else "not required"


def payer_name(payer: str, plan: str | None = None) -> str:
    """ "Cigna", "Horizon BCBSNJ" (a BCBS plan goes by its own name), "Medicare (NGS)"."""
    name = PAYER_NAMES.get(payer, payer)
    if not plan:
        return name
    plan_name = PLAN_NAMES.get(plan, plan)
    return plan_name if payer == "bcbs" and plan in PLAN_NAMES else f"{name} ({plan_name})"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """ "1 source", "3 sources"."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


MOVED = "the policy has possibly moved or been retired"
"""What a streak of 404/410 answers suggests."""


def not_checked(last_success: str | None) -> str:
    """The start of every "this source is failing" sentence: since when it has not been checked."""
    return (
        f"has not been checked since {last_success[:10]}" if last_success else "has not been checked successfully, ever"
    )
