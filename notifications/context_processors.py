def unread(request):
    """The unread count for the header (one query, only for signed-in people)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.services import unread_count

    return {"notifications_unread": lambda: unread_count(user)}
