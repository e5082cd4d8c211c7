"""The HTML digest (the text/html part of the email). Pure.

Inline styles only: Gmail and Outlook drop ``<style>`` blocks and the default
look of ``<ins>``/``<del>``, so every edit carries its own colours and
decoration. Every piece of text from a policy or a server is escaped.
"""

from __future__ import annotations

from html import escape
from itertools import groupby

from tracker.judge.diff import DELETE, GAP, INSERT, Segment
from tracker.notify.digest import PART_TITLES, UPCOMING_TITLES, Digest, Failure, Item
from tracker.vocab import payer_name, plural

FONT = "font-family:Arial,Helvetica,sans-serif;color:#1f2328;"
STYLES = {
    "body": FONT + "font-size:14px;line-height:1.45;max-width:720px;margin:0 auto;padding:8px;",
    "h1": FONT + "font-size:20px;margin:0 0 4px 0;",
    "headline": FONT + "font-size:15px;margin:0 0 4px 0;",
    "muted": FONT + "font-size:12px;color:#57606a;margin:0 0 12px 0;",
    "h2": FONT + "font-size:17px;margin:20px 0 6px 0;border-bottom:1px solid #d0d7de;padding-bottom:4px;",
    "h3": FONT + "font-size:15px;margin:12px 0 4px 0;color:#57606a;",
    "item": "margin:0 0 12px 0;padding:0 0 0 10px;border-left:3px solid #d0d7de;",
    "title": FONT + "font-size:13px;margin:2px 0;",
    "link": "color:#0969da;text-decoration:underline;",
    "diff": FONT + "font-size:13px;margin:4px 0 0 0;padding:6px 8px;background:#f6f8fa;border-radius:4px;",
    DELETE: "background:#ffebe9;color:#82071e;text-decoration:line-through;",
    INSERT: "background:#dafbe1;color:#116329;text-decoration:none;font-weight:bold;",
    GAP: "color:#57606a;",
    "line": FONT + "margin:0 0 6px 0;",
}


def _tag(name: str, style: str, content: str) -> str:
    return f'<{name} style="{STYLES[style]}">{content}</{name}>'


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url, quote=True)}" style="{STYLES["link"]}">{escape(text)}</a>'


def render_html(digest: Digest) -> str:
    """The whole digest as an HTML document with inline styles."""
    body = [
        _tag("h1", "h1", escape(digest.subject)),
        _tag("p", "headline", escape(digest.headline)),
        _tag("p", "muted", f"Generated {escape(digest.generated_at)}"),
    ]
    for part, items in digest.parts:
        body.append(_tag("h2", "h2", f"{escape(PART_TITLES[part])} ({len(items)})"))
        for name, group in groupby(items, key=lambda i: payer_name(i.payer)):
            body.append(_tag("h3", "h3", escape(name)))
            body += [_item(item) for item in group]
    for key, ahead in (("announced", digest.announced), ("soon", digest.soon)):
        if ahead:
            body.append(_tag("h2", "h2", f"Upcoming: {escape(UPCOMING_TITLES[key])} ({len(ahead)})"))
            body += [_tag("p", "line", _link(a.url, a.text) if a.url else escape(a.text)) for a in ahead]
    if digest.baseline_sources:
        body.append(_tag("h2", "h2", "First captures"))
        body.append(_tag("p", "line", escape(digest.baseline_line) + "."))
    if digest.failures:
        body.append(_tag("h2", "h2", f"Could not be checked ({escape(plural(len(digest.failures), 'source'))})"))
        body += [_failure(f) for f in digest.failures]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(digest.subject)}</title></head>\n"
        f'<body style="{STYLES["body"]}">\n' + "\n".join(body) + "\n</body></html>\n"
    )


def _item(item: Item) -> str:
    head = f"<strong>{escape(item.label)}</strong>: {escape(item.what)}"
    if item.part == "metadata":
        return _tag("p", "line", f"{head} — {_link(item.url, item.title)}")
    parts = [_tag("p", "line", head), _tag("p", "title", _link(item.url, item.title))]
    if item.words:
        parts.append(_tag("p", "diff", words_html(item.words)))
    return _tag("div", "item", "".join(parts))


def _failure(failure: Failure) -> str:
    head = f"<strong>{escape(failure.label)}</strong> — {_link(failure.url, failure.title)}"
    return _tag("div", "item", _tag("p", "line", head) + _tag("p", "title", escape(failure.what)))


def words_html(segments: tuple[Segment, ...]) -> str:
    """Segments as HTML: deletions struck through in red, insertions bold on green, each styled inline."""
    out = []
    for s in segments:
        if s.op == GAP:
            out.append(_tag("span", GAP, "…"))
        elif s.op in (DELETE, INSERT):
            # A title attribute keeps the meaning for screen readers and clients that drop colours.
            label = "deleted" if s.op == DELETE else "inserted"
            out.append(f'<span title="{label}" style="{STYLES[s.op]}">{escape(s.text)}</span>')
        else:
            out.append(escape(s.text))
    return " ".join(out)
