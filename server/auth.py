"""Identity bound to bearer tokens: token configuration, the caller's principal, checks.

A configured token is either a **platform token** (``TOKEN``: back office, may act for
any party) or a **party token** (``TOKEN=carrier:5``, ``TOKEN=shipper:3``,
``TOKEN=platform:9``: may act only as that principal). The interceptor
(:class:`server.interceptors.ServiceInterceptor`) authenticates a call and sets
:data:`CALLER` to the principal of its token (None for a platform token) before the
handler runs; servicers check request fields against it with :func:`require_actor`
and :func:`require_party`, which raise :class:`PermissionDeniedError`
(``PERMISSION_DENIED`` naming the field).

Party tokens reach only :data:`PARTY_SERVICES` (the Orders service with its Credit and
Pricing calls); every other service needs a platform token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Final

from engine.errors import InvalidInputError, YunliError
from engine.orders.model import Actor, Role

#: Services a party token may call (method-name prefixes; health needs no token at all).
PARTY_SERVICES: Final = ("/yunli.v1.Orders/",)

#: The principal of the current call's token: None for a platform token (or when
#: authentication is off, or for in-process calls that bypass the interceptor).
CALLER: ContextVar[Actor | None] = ContextVar("yunli_caller", default=None)


class PermissionDeniedError(YunliError):
    """The caller's token may not do this (``PERMISSION_DENIED``, naming the field)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_token_entries(
    entries: Iterable[str], source: str
) -> tuple[frozenset[str], dict[str, str]]:
    """Split configured token entries into platform tokens and party tokens.

    An entry is ``TOKEN`` or ``TOKEN=ROLE:ID`` (split at the last ``=``; a trailing
    ``=``, as in base64 padding, keeps the whole entry a platform token). Blank
    entries are skipped.

    Parameters
    ----------
    entries
        The entries (``--token`` values, YUNLI_TOKENS items, token-file lines).
    source
        The option they came from, named in errors (``--token``, ``YUNLI_TOKENS``).

    Returns
    -------
    tuple
        ``(platform_tokens, {token: "role:id"})``.

    Raises
    ------
    InvalidInputError
        Field ``source``: a malformed principal, an empty token, or one token given
        two different bindings.
    """
    platform: set[str] = set()
    party: dict[str, str] = {}
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        token, sep, principal = entry.rpartition("=")
        if not sep or not principal:
            platform.add(entry)
            continue
        token = token.strip()
        if not token:
            raise InvalidInputError.at(source, f"empty token before '={principal}'")
        actor = Actor.parse(principal.strip(), source)
        party[token] = _merge(party.get(token), str(actor), source)
    _check_disjoint(platform, party, source)
    return frozenset(platform), party


def merge_token_sets(
    parts: Iterable[tuple[frozenset[str], Mapping[str, str]]], source: str
) -> tuple[frozenset[str], dict[str, str]]:
    """Union several :func:`parse_token_entries` results, refusing conflicting bindings."""
    platform: set[str] = set()
    party: dict[str, str] = {}
    for plat, par in parts:
        platform |= plat
        for t, p in par.items():
            party[t] = _merge(party.get(t), p, source)
    _check_disjoint(platform, party, source)
    return frozenset(platform), party


def _merge(old: str | None, new: str, source: str) -> str:
    if old is not None and old != new:
        raise InvalidInputError.at(source, f"one token is bound to both {old} and {new}")
    return new


def _check_disjoint(platform: set[str], party: Mapping[str, str], source: str) -> None:
    both = platform & party.keys()
    if both:
        raise InvalidInputError.at(
            source,
            f"{len(both)} token(s) given both unbound (platform) and bound to a principal",
        )


def principals(party_tokens: Mapping[str, str]) -> dict[str, Actor]:
    """Parse a ``{token: "role:id"}`` map (``ServerConfig.party_tokens``).

    Raises
    ------
    InvalidInputError
        Field ``party_tokens`` for a malformed principal or an empty token.
    """
    out: dict[str, Actor] = {}
    for token, p in party_tokens.items():
        if not token:
            raise InvalidInputError.at("party_tokens", "empty token")
        out[token] = Actor.parse(p, "party_tokens")
    return out


def require_actor(actor: Actor, field: str = "actor") -> None:
    """Refuse a call whose acting party is not the caller's principal.

    Raises
    ------
    PermissionDeniedError
        When the call's token is a party token bound to another principal.
    """
    caller = CALLER.get()
    if caller is not None and caller != actor:
        raise PermissionDeniedError(field, f"token is bound to {caller}; it may not act as {actor}")


def require_party(role: Role, party_id: int | None, field: str) -> None:
    """Refuse a party token reading or writing another party's data.

    ``party_id`` is the shipper or carrier id a request names in ``field`` (None: the
    field is not set). A platform token passes; a ``role`` token passes only with its
    own id; a token of another role (or a platform principal) passes when the field is
    not set.

    Raises
    ------
    PermissionDeniedError
        When the caller is a party token of ``role`` and the field is unset or names
        another party, or a party token of another role and the field is set.
    """
    caller = CALLER.get()
    if caller is None or caller.role is Role.PLATFORM:
        return
    if caller.role is role:
        if party_id != caller.id:
            got = "unset" if party_id is None else f"{role.value}:{party_id}"
            raise PermissionDeniedError(field, f"token is bound to {caller}; {field} is {got}")
    elif party_id is not None:
        raise PermissionDeniedError(
            field, f"token is bound to {caller}; it may not read {role.value}:{party_id}"
        )


def require_platform(what: str) -> None:
    """Refuse a shipper or carrier token a back-office call (``what`` names it).

    Raises
    ------
    PermissionDeniedError
        Field ``authorization`` when the caller is a shipper or carrier token.
    """
    caller = CALLER.get()
    if caller is not None and caller.role is not Role.PLATFORM:
        raise PermissionDeniedError(
            "authorization", f"{what} needs a platform token; this token is bound to {caller}"
        )
