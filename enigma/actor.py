"""Who is acting: the one value a service is given to say who made a change and from where.

A view builds it once per request (actor_from(request), kept on the request); a task or a
command acts as the system account
(enigma.services.accounts.system_actor()). Services write the person into
their rows and the address and browser into the audit rows they write, so no service
needs the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from enigma.models import User

_ON_REQUEST = "_enigma_actor"


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (None when nobody is signed in), their computer's address and browser."""

    user: User | None
    address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, by: Actor | User | None) -> Actor:
        """`by` as an Actor: a person given without a request (the shell, a test, a seeder)
        acts from no known address."""
        return by if isinstance(by, Actor) else cls(user=by)


def actor_from(request) -> Actor:
    """The request's actor, built on first use and kept on the request (built again if the
    person changed meanwhile: signing in or out happens within a request)."""
    user = getattr(request, "user", None)
    user = user if user is not None and user.is_authenticated else None
    actor = getattr(request, _ON_REQUEST, None)
    if actor is None or actor.user != user:
        from enigma.audit import client_address

        actor = Actor(
            user=user,
            address=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        setattr(request, _ON_REQUEST, actor)
    return actor
