"""`tracker review` and `tracker confirm`: the readings to look at, and an analyst's reading of one (issue 21)."""

from __future__ import annotations

import json
from typing import Any, Literal

import click

from tracker.cli.base import Context, checked_code, configured_ids, now, store_with
from tracker.cli.output import emit, output_options
from tracker.errors import UsageError
from tracker.models import STATUSES, iso
from tracker.vocab import code_label, prior_auth_word, status_word

PRIOR_AUTH_VALUES = {"yes": True, "no": False, "unknown": None}


@click.command()
@click.argument("source_id", metavar="SOURCE")
@click.option("--code", required=True, help="The code whose reading is confirmed.")
@click.option("--status", type=click.Choice(STATUSES), help="The status the policy gives the code (a correction).")
@click.option("--agree", is_flag=True, help="The automatic reading is right (status and prior auth).")
@click.option(
    "--prior-auth",
    type=click.Choice(tuple(PRIOR_AUTH_VALUES)),
    help="Prior authorization: yes, no or unknown (default: the automatic reading's).",
)
@click.option("--note", help="Why: a sentence for whoever reads the confirmation later.")
@click.option("--by", "by", envvar="TRACKER_ANALYST", help="Who confirms (env TRACKER_ANALYST).")
@click.option("--json", "as_json", is_flag=True, help="Output the confirmation as JSON on stdout.")
@click.pass_obj
def confirm(
    obj: Context,
    source_id: str,
    code: str,
    status: str | None,
    agree: bool,
    prior_auth: str | None,
    note: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Record an analyst's reading of a source's current version for one code.

    The confirmation holds on later versions while the code's governing text is unchanged;
    when the text changes it lapses (it is kept, and shown in `tracker history`) and the
    code returns to `tracker review`. Give --status to correct the reading, or --agree.

    Example:

        tracker confirm cigna-0525 --code 64600 --status not_covered --prior-auth yes --by "A. Analyst"
    """
    from tracker.store import confirmations

    if bool(status) == agree:
        raise UsageError("give either --status S (the reading you make) or --agree (the automatic one is right)")
    who = (by or "").strip()
    if not who:
        raise UsageError("who confirms? give --by NAME or set TRACKER_ANALYST")
    store = store_with(obj, source_id)
    wanted = checked_code(obj, code, store) or code
    pa: bool | None | Literal["automatic"] = "automatic" if prior_auth is None else PRIOR_AUTH_VALUES[prior_auth]
    made = confirmations.record(
        store, source_id, wanted, status=status, prior_auth=pa, note=note, by=who, at=iso(now())
    )
    if as_json:
        click.echo(json.dumps(made, indent=2, ensure_ascii=False))
        return
    verdict = (
        "agrees with the automatic reading"
        if made["agreed"]
        else f"automatic reading: {status_word(made['automatic_status'])}, prior auth "
        f"{prior_auth_word(made['automatic_prior_auth'])}"
    )
    click.echo(
        f"Confirmed {source_id} · {code_label(wanted)}: {status_word(made['status'])}, prior auth "
        f"{prior_auth_word(made['prior_auth'])} ({verdict}), by {who}. It holds while the governing text is unchanged."
    )


@click.command()
@click.option("--stats", is_flag=True, help="How often analysts agreed with the automatic reading.")
@output_options
@click.pass_obj
def review(obj: Context, stats: bool, as_json: bool, as_csv: bool) -> None:
    """The queue of readings a person should look at, with each one's sections, basis and capture.

    Queued: codes whose governing sections disagree (needs_review) or stand on a linked passage
    (weak_link), sections read "mentioned" that use stance words, confirmations that lapsed,
    status changes not yet confirmed, and policies first captured in the last two weeks. A
    confirmation that holds takes the reading out of the queue (`tracker confirm`).

    Example:

        tracker review && tracker confirm cigna-0525 --code 64600 --agree
    """
    from tracker.store import review as queue

    store = obj.store()
    if stats:
        _stats(queue.stats(store), as_json, as_csv)
        return
    items = queue.queue(store, now=now(), source_ids=configured_ids(obj))
    if as_json:
        emit(items, True, False, [])
    elif as_csv:
        keys = [k for k in queue.ReviewItem.__annotations__ if k not in ("sections", "confirmation")]
        flat = [{k: "; ".join(i["reasons"]) if k == "reasons" else i[k] for k in keys} for i in items]  # type: ignore[literal-required]
        emit(flat, False, True, keys)
    elif not items:
        click.echo("Nothing to review: every reading is confirmed or clear.")
    else:
        for item in items:
            _show(dict(item))


def _show(item: dict[str, Any]) -> None:
    from tracker.judge.classify import describe_basis

    click.echo(
        f"{item['source']} · {code_label(item['code'])} · {status_word(item['status'])} · prior auth "
        f"{prior_auth_word(item['prior_auth'])}  [{', '.join(item['reasons'])}]"
    )
    click.echo(f"  v{item['number']} captured {item['captured_at']}; capture: {item['capture'] or item['url']}")
    c = item["confirmation"]
    if c:
        click.echo(f"  confirmation by {c['confirmed_by']} ({status_word(c['status'])}): {c['state']}")
    for s in item["sections"]:
        text = " ".join(s["text"].split())
        click.echo(f"  § {s['heading'] or '(no heading)'}: {text[:160]}{'…' if len(text) > 160 else ''}")
        click.echo(f"    → {describe_basis(s['basis'], status_word(s['status']))}")
    click.echo(f"  confirm: tracker confirm {item['source']} --code {item['code']} --agree (or --status S)\n")


def _stats(found: dict[str, Any], as_json: bool, as_csv: bool) -> None:
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    rows = [{"by": "payer", **t} for t in found["by_payer"]] + [{"by": "rule", **t} for t in found["by_rule"]]
    if as_csv:
        emit(rows, False, True, ["by", "key", "confirmations", "agreed", "corrected", "agreement"])
        return
    share = "-" if found["agreement"] is None else f"{found['agreement']:.0%}"
    click.echo(
        f"{found['confirmations']} confirmation(s): {found['agreed']} agreed with the automatic reading, "
        f"{found['corrected']} corrected it ({share} agreement)."
    )
    if rows:
        emit(rows, False, False, ["by", "key", "confirmations", "agreed", "corrected", "agreement"])
