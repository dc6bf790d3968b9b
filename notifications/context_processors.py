import functools


def unread(request):
    """The unread count for the header (one query, only for signed-in people), and the
    state of the DSL alerts' emails for the Safeguarding page (only where it is shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications import selectors
    from notifications.services import unread_count

    # Asked lazily (pages without the header never ask) and at most once a request: the
    # header reads it twice, to test it and to show it.
    return {
        "notifications_unread": functools.cache(lambda: unread_count(user)),
        "safeguarding_outbox": selectors.safeguarding_outbox,
    }
