"""The one exception tree of Amparo.

::

    AmparoError                      HTTP  CLI exit
    ├── InvalidInput                  422      2   the input is wrong; the message says how
    │   └── PayloadTooLarge           413      2
    ├── NotAuthenticated              401      3   no, bad or expired credentials
    ├── PermissionDenied              403      3   authenticated, but not allowed
    ├── NotFound                      404      4   absent, or belongs to another organisation
    ├── Conflict                      409      5   would duplicate or contradict what exists
    ├── RateLimited                   429      6
    ├── ServiceUnavailable            503      7   the database (or another service) is down
    └── ConfigurationError            500     78   the deployment is misconfigured

Messages are gettext message ids with ``%(name)s`` parameters; they are translated where the
error meets a person (``amparo.web.problems`` for HTTP, ``amparo.cli`` for the terminal), and
those are the only two places that map errors. A message never carries personal data. A
parameter that is a ``Label`` (a field's name) is translated with the message, and a ``Wait``
(seconds) is written in the reader's language as seconds, minutes or hours.
"""

from __future__ import annotations

from typing import Any, ClassVar


def N_(message: str) -> str:
    """Mark a string for translation without translating it (gettext convention)."""
    return message


class Label(str):
    """A parameter that is itself a message id (a field's name): translated with the message,
    so that a Spanish reader sees "El campo mensaje…", not "El campo text…"."""

    __slots__ = ()


class Wait(int):
    """A parameter that is a wait in seconds, shown as people say it in the reader's language
    ("56 minutos", not "3333 segundos")."""

    __slots__ = ()


def _localise(value: Any, gettext: Any) -> Any:
    if isinstance(value, Label):
        return gettext(str(value)) if gettext else str(value)
    if isinstance(value, Wait):
        from amparo.i18n import format_wait, language_of

        return format_wait(int(value), language_of(gettext))
    return value


class AmparoError(Exception):
    """Base of every error Amparo raises on purpose."""

    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    code: ClassVar[str] = "error"
    title: ClassVar[str] = N_("Something went wrong")

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.render()

    def render(self, gettext: Any = None) -> str:
        """The message, translated with ``gettext`` when given, parameters filled in."""
        text: str = gettext(self.message) if gettext else self.message
        if not self.params:
            return text
        return text % {name: _localise(value, gettext) for name, value in self.params.items()}


class InvalidInput(AmparoError):
    status = 422
    exit_code = 2
    code = "invalid-input"
    title = N_("The input is not valid")

    def __init__(self, message: str, /, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class PayloadTooLarge(InvalidInput):
    status = 413
    code = "payload-too-large"
    title = N_("The request is too large")


class NotAuthenticated(AmparoError):
    status = 401
    exit_code = 3
    code = "not-authenticated"
    title = N_("You need to sign in")


class PermissionDenied(AmparoError):
    status = 403
    exit_code = 3
    code = "permission-denied"
    title = N_("You are not allowed to do this")


class NotFound(AmparoError):
    status = 404
    exit_code = 4
    code = "not-found"
    title = N_("Not found")


class Conflict(AmparoError):
    status = 409
    exit_code = 5
    code = "conflict"
    title = N_("This conflicts with existing data")


class RateLimited(AmparoError):
    status = 429
    exit_code = 6
    code = "rate-limited"
    title = N_("Too many requests")

    def __init__(self, message: str, /, *, retry_after: int = 60, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after


class ServiceUnavailable(AmparoError):
    status = 503
    exit_code = 7
    code = "service-unavailable"
    title = N_("The service is temporarily unavailable")


class ConfigurationError(AmparoError):
    status = 500
    exit_code = 78
    code = "configuration-error"
    title = N_("The service is not configured correctly")
