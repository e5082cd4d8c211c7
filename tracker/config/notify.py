"""Notification settings: the ``[notify]`` table overridden by the environment.

This module is the only reader of environment values, and it never touches
``os.environ`` itself: the caller passes the mapping (the CLI passes
``os.environ``, tests pass a dict). Secrets (the SMTP password and the Slack
webhook URL, whose path is the credential) come from the environment only; they
are kept out of ``repr()`` and every message, and ``redact`` scrubs them from
text that might echo them (exception messages, server answers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from tracker.errors import ConfigError

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_SMTP_DEADLINE = 60.0
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
REDACTED = "[redacted]"
FRAGMENT = 8
"""A run of this many characters of a secret, echoed anywhere, is redacted too (a server that cut the URL short)."""
_WORDS = frozenset({"services", "hooks", "webhook", "webhooks", "triggers", "workflows"})
ENV_KEYS = (
    "TRACKER_SMTP_HOST",
    "TRACKER_SMTP_PORT",
    "TRACKER_SMTP_USER",
    "TRACKER_SMTP_PASSWORD",
    "TRACKER_SMTP_TLS",
    "TRACKER_MAIL_FROM",
    "TRACKER_MAIL_TO",
    "TRACKER_SLACK_WEBHOOK_URL",
    "TRACKER_WEBHOOK_URL",
    "TRACKER_WEBHOOK_SECRET",
    "TRACKER_APPRISE_URLS",
)
"""The environment variables read, all optional (and those that ``[[notify.route]]`` tables name for Apprise)."""
ROUTE_KEYS = ("tags", "email_to", "apprise")
"""The keys of a ``[[notify.route]]`` table."""
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Route:
    """A ``[[notify.route]]`` table: the team whose sources carry one of ``tags`` gets their own digest."""

    tags: tuple[str, ...]
    email_to: tuple[str, ...] = ()
    apprise: str | None = None
    """The environment variable holding the team's Apprise URLs (space-separated), if any."""


@dataclass(frozen=True)
class NotifySettings:
    """Where and how digests are delivered; secrets are hidden from ``repr()``."""

    email_to: tuple[str, ...] = ()
    email_from: str | None = None
    smtp_host: str | None = None
    smtp_port: int = DEFAULT_PORTS["starttls"]
    smtp_tls: str = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    slack: bool = False
    slack_webhook_url: str | None = field(default=None, repr=False)
    send_when_no_changes: bool = False
    timeout: float = 30.0
    """Seconds one read from the SMTP server or a webhook may wait."""
    smtp_deadline: float = DEFAULT_SMTP_DEADLINE
    """``[notify] smtp_deadline``: seconds one SMTP delivery may take, from the connect to QUIT (a dripping server)."""
    webhook_url: str | None = field(default=None, repr=False)
    """TRACKER_WEBHOOK_URL: the JSON webhook (``tracker.notify.jsonhook``)."""
    webhook_secret: str | None = field(default=None, repr=False)
    """TRACKER_WEBHOOK_SECRET: the HMAC-SHA256 key of the webhook's signature header."""
    apprise_urls: tuple[str, ...] = field(default=(), repr=False)
    """TRACKER_APPRISE_URLS: Apprise URLs (each may hold a token: secrets, like the Slack URL)."""
    routes: tuple[Route, ...] = ()
    route_apprise: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    """The Apprise URLs of each variable a route names, read from the environment."""

    @property
    def channels(self) -> tuple[str, ...]:
        """The enabled channels, in delivery order: ``email`` and/or ``slack``."""
        return (
            (("email",) if self.email_to else ())
            + (("slack",) if self.slack else ())
            + (("webhook",) if self.webhook_url else ())
            + (("apprise",) if self.apprise_urls else ())
        )

    def _secret_urls(self) -> tuple[str, ...]:
        routed = tuple(u for urls in self.route_apprise.values() for u in urls)
        return tuple(u for u in (self.slack_webhook_url, self.webhook_url, *self.apprise_urls, *routed) if u)

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be shown, longest first (so a URL goes before its path).

        Each secret whole and each of its path segments (a webhook URL's workspace, channel and
        token), as written and percent-encoded, since requests and urllib3 quote the URL, or only
        its path, in their exceptions.
        """
        found = list(self._credentials())
        for url in self._secret_urls():
            parts = urlsplit(url)
            found += [url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.path]
        encoded = [form for s in found if s for form in (s, quote(s), quote(s, safe=""), quote_plus(s))]
        return tuple(sorted(set(encoded), key=len, reverse=True))

    def _credentials(self) -> tuple[str, ...]:
        """The password and the webhook URL's secret-looking segments: a long piece of one is redacted too."""
        found = [self.smtp_password or "", self.webhook_secret or ""]
        for url in self._secret_urls():
            parts = urlsplit(url)
            found += [seg for seg in parts.path.split("/") if len(seg) >= FRAGMENT and seg.lower() not in _WORDS]
            found += [parts.query] if len(parts.query) >= FRAGMENT else []
            found += [parts.netloc.rpartition("@")[0]] if "@" in parts.netloc else []
        return tuple(s for s in found if s)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``[redacted]``: whole, encoded, by segment, or a long piece of one.

        Redact first, then cut a message short: never the other way round.
        """
        for secret in self.secrets():
            text = text.replace(secret, REDACTED)
        for secret in self._credentials():
            text = _redact_pieces(text, secret)
        return text


def _redact_pieces(text: str, secret: str) -> str:
    """``text`` with every run of at least FRAGMENT characters of ``secret`` replaced."""
    if len(secret) < FRAGMENT or len(text) < FRAGMENT:
        return text
    pieces = {secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)}
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i : i + FRAGMENT] in pieces:
            end = i + FRAGMENT
            while end < len(text) and text[i : end + 1] in secret:
                end += 1
            out.append(REDACTED)
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def notify_settings(notify: Mapping[str, Any], env: Mapping[str, str], *, where: str = "[notify]") -> NotifySettings:
    """Validate ``[notify]`` and apply the environment over it; ConfigError names the key or variable."""
    reader = _Reader(notify, env, where)
    tls = reader.choice("smtp_tls", "TRACKER_SMTP_TLS", TLS_MODES, "starttls")
    settings = NotifySettings(
        email_to=reader.addresses(),
        email_from=reader.address("email_from", "TRACKER_MAIL_FROM"),
        smtp_host=reader.host(),
        smtp_port=reader.port(DEFAULT_PORTS[tls]),
        smtp_tls=tls,
        smtp_user=reader.env_text("TRACKER_SMTP_USER"),
        smtp_password=reader.env_text("TRACKER_SMTP_PASSWORD"),
        slack=reader.flag("slack", default="TRACKER_SLACK_WEBHOOK_URL" in reader.present),
        slack_webhook_url=reader.webhook(),
        send_when_no_changes=reader.flag("send_when_no_changes", default=False),
        smtp_deadline=reader.seconds("smtp_deadline", DEFAULT_SMTP_DEADLINE),
        webhook_url=reader.json_webhook(),
        webhook_secret=reader.env_text("TRACKER_WEBHOOK_SECRET"),
        apprise_urls=tuple((reader.env_text("TRACKER_APPRISE_URLS") or "").split()),
        routes=reader.routes(),
    )
    settings = replace(settings, route_apprise=_route_urls(settings.routes, env))
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        raise ConfigError("TRACKER_SMTP_USER and TRACKER_SMTP_PASSWORD go together: set both to log in, or neither")
    _check_email(settings, where)
    _check_slack(settings, where)
    return settings


class _Reader:
    """Reads one setting at a time: the environment first, then the table, then the default."""

    def __init__(self, table: Mapping[str, Any], env: Mapping[str, str], where: str) -> None:
        self.table = table
        self.where = where
        # An empty variable counts as unset, as container and CI files often declare them blank.
        self.env = {k: env[k].strip() for k in ENV_KEYS if k in env and env[k].strip()}
        self.present = frozenset(self.env)

    def error(self, key: str | None, variable: str | None, message: str) -> ConfigError:
        origin = f"environment variable {variable}" if variable in self.env else f"{self.where} key {key!r}"
        return ConfigError(f"{origin}: {message}")

    def raw(self, key: str | None, variable: str | None) -> Any:
        if variable and variable in self.env:
            return self.env[variable]
        return self.table.get(key) if key else None

    def env_text(self, variable: str) -> str | None:
        return self.env.get(variable)

    def text(self, key: str, variable: str) -> str | None:
        value = self.raw(key, variable)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, variable, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def choice(self, key: str, variable: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(key, variable)
        if value is None:
            return default
        if value.lower() not in allowed:
            raise self.error(key, variable, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value.lower()

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, None, f"must be true or false, not {value!r}")
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
            raise self.error(key, None, f"must be a number of seconds above 0, not {value!r}")
        return float(value)

    def address(self, key: str, variable: str) -> str | None:
        value = self.text(key, variable)
        if value is not None and not _is_address(value):
            raise self.error(key, variable, f"{value!r} is not an email address such as tracker@example.org")
        return value

    def addresses(self) -> tuple[str, ...]:
        value = self.raw("email_to", "TRACKER_MAIL_TO")
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error("email_to", "TRACKER_MAIL_TO", "must be an address or a list of addresses")
        bad = [v for v in value if not _is_address(v)]
        if bad:
            raise self.error("email_to", "TRACKER_MAIL_TO", f"{bad[0]!r} is not an email address")
        return tuple(v.strip() for v in value)

    def host(self) -> str | None:
        value = self.text("smtp_host", "TRACKER_SMTP_HOST")
        # One colon is "host:port"; IPv6 literals have several.
        if value is not None and (any(c.isspace() for c in value) or "/" in value or value.count(":") == 1):
            raise self.error("smtp_host", "TRACKER_SMTP_HOST", f"{value!r} is not a host name (give the port apart)")
        return value

    def port(self, default: int) -> int:
        value = self.raw("smtp_port", "TRACKER_SMTP_PORT")
        if value is None:
            return default
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            raise self.error("smtp_port", "TRACKER_SMTP_PORT", f"{value!r} is not a port number (1-65535)")
        return value

    def json_webhook(self) -> str | None:
        url = self.env.get("TRACKER_WEBHOOK_URL")
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.error(None, "TRACKER_WEBHOOK_URL", "must be an http(s):// URL (value hidden)")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise self.error(None, "TRACKER_WEBHOOK_URL", "must be https:// (plain http only to this machine)")
        return url

    def routes(self) -> tuple[Route, ...]:
        value = self.table.get("route", [])
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            raise self.error("route", None, "must be [[notify.route]] tables")
        return tuple(self.route(i, t) for i, t in enumerate(value, start=1))

    def route(self, number: int, table: Mapping[str, Any]) -> Route:
        where = f"[[notify.route]] #{number}"
        unknown = [k for k in table if k not in ROUTE_KEYS]
        if unknown:
            raise ConfigError(
                f"{self.where}: {where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(ROUTE_KEYS)}"
            )
        tags = table.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t.strip() for t in tags):
            raise ConfigError(f"{self.where}: {where}: key 'tags' must be a non-empty list of tags, e.g. [\"pain\"]")
        emails = _Reader({"email_to": table.get("email_to")}, {}, f"{self.where}: {where}").addresses()
        apprise = table.get("apprise")
        if apprise is not None and not (isinstance(apprise, str) and _ENV_NAME.match(apprise)):
            raise ConfigError(
                f"{self.where}: {where}: key 'apprise' must name an environment variable such as "
                f'"TRACKER_APPRISE_PAIN" (the URLs are secrets: they live in the environment), not {apprise!r}'
            )
        if not emails and apprise is None:
            raise ConfigError(f"{self.where}: {where}: give email_to or apprise: where does the team's digest go?")
        return Route(tuple(t.strip() for t in tags), emails, apprise)

    def webhook(self) -> str | None:
        url = self.env.get("TRACKER_SLACK_WEBHOOK_URL")
        if url is None:
            return None
        parts = urlsplit(url)
        loopback = parts.hostname in LOOPBACK_HOSTS
        if not (parts.scheme == "https" or (parts.scheme == "http" and loopback)) or not parts.netloc:
            # Never echo the value: the URL is the credential.
            raise self.error(None, "TRACKER_SLACK_WEBHOOK_URL", "must be an https:// Slack webhook URL (value hidden)")
        return url


def _route_urls(routes: tuple[Route, ...], env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each route's Apprise variable and its URLs; ConfigError when a named variable is unset (never its value)."""
    found: dict[str, tuple[str, ...]] = {}
    for route in routes:
        if route.apprise is None:
            continue
        urls = tuple((env.get(route.apprise) or "").split())
        if not urls:
            raise ConfigError(
                f"[[notify.route]] with tags {list(route.tags)}: apprise = {route.apprise!r} names an environment "
                "variable that is not set; put the team's Apprise URLs there (space-separated)"
            )
        found[route.apprise] = urls
    return found


def _is_address(value: str) -> bool:
    from email.utils import parseaddr  # here: only a configured email address pays for the email package

    _, addr = parseaddr(value)
    local, _, domain = addr.partition("@")
    return bool(local and domain) and "," not in value and not any(c.isspace() for c in addr)


def _check_email(s: NotifySettings, where: str) -> None:
    if not s.email_to:
        return
    if not s.smtp_host:
        raise ConfigError(f"{where}: email_to is set but no SMTP server: set smtp_host or TRACKER_SMTP_HOST")
    if not s.email_from:
        raise ConfigError(f"{where}: email_to is set but no sender: set email_from or TRACKER_MAIL_FROM")
    if s.smtp_user and s.smtp_tls == "none" and s.smtp_host not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"{where}: smtp_tls = none would send the SMTP password in clear to {s.smtp_host}; "
            "use starttls or ssl (TRACKER_SMTP_TLS)"
        )


def _check_slack(s: NotifySettings, where: str) -> None:
    if s.slack and not s.slack_webhook_url:
        raise ConfigError(
            f"{where}: slack = true but TRACKER_SLACK_WEBHOOK_URL is not set; the webhook URL is a secret "
            "and is read from the environment only"
        )
