"""Navigation, home pages and panels for the timetables work pages."""


def register() -> None:
    pass
