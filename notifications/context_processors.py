def unread(request):
    """The unread count for the header (one query, only for signed-in people), and the
    state of the DSL alerts' emails for the Safeguarding page (only where it is shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications import selectors
    from notifications.services import unread_count

    return {
        "notifications_unread": lambda: unread_count(user),
        "safeguarding_outbox": selectors.safeguarding_outbox,
    }
