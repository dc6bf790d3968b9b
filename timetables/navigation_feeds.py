"""Navigation, home pages and panels for the timetables feeds pages."""


def register() -> None:
    pass
