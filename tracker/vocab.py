"""The words people read, each defined once: code labels, status and prior-auth words, payer and plan names.

JSON keeps the contract's values (``not_covered``); everything a person reads — the run
summary, stored change summaries, the CLI's tables, `tracker diff`/`show`, the digest, the
report, the commands' help — says them through this table (issue 22: one vocabulary; a test
reads the CLI, the report and the digest of one history for it). Pure; imports only
``tracker.models``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tracker.models import Status

DEFAULT_CODE = "64600"
"""The code the tracker follows first (CPT 64600, neurodestructive injection of the trigeminal nerve)."""

STATUS_WORDS: dict[str, str] = {
    "covered": "covered",
    "not_covered": "not covered",
    "experimental": "experimental",
    "mentioned": "mentioned",
    "absent": "absent",
    "retired": "retired",
}
"""Statuses in running text and in tables."""

STATUS_MEANINGS: dict[str, str] = {
    "covered": "medically necessary when the policy's criteria are met",
    "not_covered": "not medically necessary, or not covered",
    "experimental": "experimental, investigational or unproven",
    "mentioned": "named in the policy, stance unclear",
    "absent": "no longer in a policy that was read well",
    "retired": "the payer retired or archived the policy: its stance no longer applies",
}
"""What each status means: the report's badge titles and legend, `tracker status --help`."""

STATUS_LABELS = {key: word[:1].upper() + word[1:] for key, word in STATUS_WORDS.items()}
"""Statuses as labels that stand alone (the report's badges): the same words, capitalized."""

NOT_CAPTURED = "not captured yet"
"""A code of a source with no good version yet."""

PRIOR_AUTH_WORDS = {True: "required", False: "not required", None: "unknown"}
"""Prior authorization, everywhere a person reads it (tables, show, diff, digest, report)."""

OPTION_METAVARS = {"--code": "C", "--source": "ID", "--since": "DATE", "--at": "DATE", "--from": "DATE", "--to": "DATE"}
"""How every command's help names the value of a shared option (``tracker status --code C``)."""

PAYER_NAMES = {"aetna": "Aetna", "bcbs": "BCBS", "cigna": "Cigna", "uhc": "UnitedHealthcare", "medicare": "Medicare"}

BCBS_PLANS = {
    "anthem": "Anthem",
    "horizon-nj": "Horizon BCBSNJ",
    "bcbs-al": "BCBS of Alabama",
    "florida-blue": "Florida Blue",
    "premera": "Premera Blue Cross",
    "arkansas-blue": "Arkansas Blue Cross",
    "bcbs-az": "BCBS of Arizona",
    "blue-shield-ca": "Blue Shield of California",
    "capital-blue": "Capital Blue Cross",
    "carefirst": "CareFirst",
    "empire": "Empire BCBS",
    "excellus": "Excellus BCBS",
    "fep": "Federal Employee Program",
    "highmark": "Highmark",
    "hmsa": "HMSA",
    "blue-cross-idaho": "Blue Cross of Idaho",
    "ibx": "Independence Blue Cross",
    "bcbs-il": "BCBS of Illinois",
    "bcbs-ks": "BCBS of Kansas",
    "bcbs-kc": "BCBS of Kansas City",
    "bcbs-la": "BCBS of Louisiana",
    "bcbs-ma": "BCBS of Massachusetts",
    "bcbs-mi": "BCBS of Michigan",
    "bcbs-mn": "BCBS of Minnesota",
    "bcbs-ms": "BCBS of Mississippi",
    "bcbs-mt": "BCBS of Montana",
    "bcbs-nc": "BCBS of North Carolina",
    "bcbs-nd": "BCBS of North Dakota",
    "bcbs-ne": "BCBS of Nebraska",
    "bcbs-nm": "BCBS of New Mexico",
    "bcbs-ok": "BCBS of Oklahoma",
    "regence": "Regence",
    "bcbs-ri": "BCBS of Rhode Island",
    "bcbs-sc": "BCBS of South Carolina",
    "bcbs-tn": "BCBS of Tennessee",
    "bcbs-tx": "BCBS of Texas",
    "bcbs-vt": "BCBS of Vermont",
    "wellmark": "Wellmark",
    "bcbs-wy": "BCBS of Wyoming",
}
"""The Blue Cross Blue Shield companies by the slug sources.toml uses, with their display names."""

PLAN_NAMES = {
    **BCBS_PLANS,
    "ngs": "NGS",
    "first-coast": "First Coast",
    "noridian": "Noridian",
    "novitas": "Novitas",
    "palmetto": "Palmetto GBA",
    "cgs": "CGS",
    "wps": "WPS",
}
"""Display names of the plan slugs used in sources.toml (BCBS plans, Medicare contractors)."""

PLANS_BY_PAYER: dict[str, tuple[str, ...]] = {
    "bcbs": tuple(BCBS_PLANS),
    "medicare": ("ngs", "first-coast", "noridian", "novitas", "palmetto", "cgs", "wps"),
}
"""The plans the tracker knows, by payer (BCBS companies; Medicare Administrative Contractors). A
Medicare contractor must be one of them; a BCBS plan may be another company's slug, unless it is
a near miss of a known one (a typo: "anthm")."""
CLOSED_PLANS = frozenset({"medicare"})
"""Payers whose plan list is complete: any other plan is an error."""


def code_label(code: str) -> str:
    """ "CPT 64600", or "HCPCS J1234" for a code starting with a letter."""
    return f"{'CPT' if code[:1].isdigit() else 'HCPCS'} {code}"


def status_word(status: Status | str | None) -> str:
    """A status as people read it: ``not_covered`` → "not covered"; None → "not captured yet"."""
    return STATUS_WORDS.get(status or "", status or NOT_CAPTURED)


def status_label(status: Status | str | None) -> str:
    """A status as a label standing alone: "Not covered"; None → "Not captured yet"."""
    word = status_word(status)
    return word[:1].upper() + word[1:]


def status_help() -> str:
    """The statuses and what they mean, for the commands' help."""
    return "; ".join(f"{STATUS_WORDS[k]}: {STATUS_MEANINGS[k]}" for k in STATUS_WORDS)


OUTCOME_WORDS = {"new": "new (first capture)", "changed": "changed", "unchanged": "unchanged", "error": "failed"}
"""A source's outcome in one run, as people read it (JSON keeps new / changed / unchanged / error)."""


def outcome_word(outcome: str) -> str:
    """A run outcome as people read it: ``error`` → "failed"."""
    return OUTCOME_WORDS.get(outcome, outcome)


def prior_auth_word(value: bool | int | None) -> str:
    """Prior authorization as people read it: required / not required / unknown (a stored 0/1 flag too)."""
    return PRIOR_AUTH_WORDS[None if value is None else bool(value)]


BASIS_WORDS = {
    "latest": "the latest version",
    "effective_date": "in force on {day}: its effective date",
    "captured_at": "in force on {day}: captured by then",
}
"""Why `tracker show` picked the version it shows (``basis`` in its JSON)."""


def basis_word(basis: str | None, day: str | None) -> str:
    """ "the latest version", "in force on 2026-03-01: its effective date"; "" when there is nothing to say."""
    return BASIS_WORDS.get(basis or "", "").format(day=day or "")


def version_label(number: int) -> str:
    """A stored version as people name it: "v2" (its number within its source, never a database id)."""
    return f"v{number}"


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


Failure = tuple[str, str | None, str | None]
"""A failing source as the summaries list it: its id, its error class, its error message."""
_LEADING_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S*?: ")


def by_cause(failures: Sequence[Failure]) -> list[tuple[str, str, list[str]]]:
    """Failures grouped by their cause: the error class and the message, the URL it starts with left out.

    So that "cannot connect: connection refused" met by twelve sources is said once, with the
    twelve ids (issue 22); groups in the order of their first source.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for source_id, error_class, error in failures:
        groups.setdefault((error_class or "error", _LEADING_URL.sub("", error or "")), []).append(source_id)
    return [(error_class, cause, ids) for (error_class, cause), ids in groups.items()]


def failure_lines(failures: Sequence[Failure], indent: str = "  ") -> list[str]:
    """One line per failing source, or one line per cause that several sources met ("3 sources: a, b, c")."""
    lines = []
    for error_class, cause, ids in by_cause(failures):
        if len(ids) == 1:
            [source_id] = ids
            error = next(f[2] for f in failures if f[0] == source_id)
            lines.append(f"{indent}{source_id}: {error_class}: {error}")
        else:
            lines.append(f"{indent}{error_class}: {cause} ({plural(len(ids), 'source')}: {', '.join(ids)})")
    return lines
