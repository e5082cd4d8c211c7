"""Routing (issue 21): which digests go where — the default recipients' full digest, and each team's own.

A delivery **target** is one message per run: its ledger name (what ``deliveries.channel``
records), the channel that sends it, the settings it sends with, and the sources whose changes
it carries (None: every source). Default targets: ``email`` (every default recipient in one
message), ``slack``, ``webhook``, and ``apprise#N`` per URL of TRACKER_APPRISE_URLS. Routes
(``[[notify.route]]``) add ``email:ADDRESS`` per team recipient and ``apprise:VARIABLE#N`` per
URL of the variable a route names, each carrying the changes of the sources that have one of the
route's tags. One message per recipient per run: a recipient of the full digest gets no team
digest, and a recipient of several routes gets one digest of all their tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from tracker.config.notify import NotifySettings
from tracker.config.sources import Source


@dataclass(frozen=True)
class Target:
    """One message per run: where it goes, how, and which sources' changes it carries."""

    ledger: str
    channel: str
    """The sending channel: email, slack, webhook or apprise."""
    settings: NotifySettings
    sources: frozenset[str] | None = None
    """The sources whose changes the message carries; None: every source."""

    def wants(self, source_id: str) -> bool:
        """Whether this target's digest carries the source's changes and failures."""
        return self.sources is None or source_id in self.sources


def default_targets(settings: NotifySettings) -> list[Target]:
    """The full digest's targets: every configured channel, each Apprise URL apart."""
    found = [Target(ch, ch, settings) for ch in settings.channels if ch != "apprise"]
    found += [
        Target(f"apprise#{i}", "apprise", replace(settings, apprise_urls=(url,)))
        for i, url in enumerate(settings.apprise_urls, start=1)
    ]
    return found


def targets(settings: NotifySettings, sources: Sequence[Source]) -> list[Target]:
    """Every target of a run: the full digest's, then the teams' (``[[notify.route]]``)."""
    found = default_targets(settings)
    everyone = {a.lower() for a in settings.email_to}
    recipients: dict[str, set[str]] = {}
    variables: dict[str, set[str]] = {}
    for route in settings.routes:
        for address in route.email_to:
            if address.lower() not in everyone:
                recipients.setdefault(address, set()).update(route.tags)
        if route.apprise:
            variables.setdefault(route.apprise, set()).update(route.tags)
    for address, tags in recipients.items():
        found.append(
            Target(f"email:{address}", "email", replace(settings, email_to=(address,)), _tagged(sources, tags))
        )
    for variable, tags in variables.items():
        for i, url in enumerate(settings.route_apprise.get(variable, ()), start=1):
            if url not in settings.apprise_urls:
                routed = replace(settings, apprise_urls=(url,))
                found.append(Target(f"apprise:{variable}#{i}", "apprise", routed, _tagged(sources, tags)))
    return found


def _tagged(sources: Iterable[Source], tags: set[str]) -> frozenset[str]:
    return frozenset(s.id for s in sources if tags.intersection(s.tags))
