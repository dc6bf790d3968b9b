"""Navigation, home pages and panels for the timetables lessons pages."""


def register() -> None:
    pass
