"""Navigation, home pages and panels for the timetables plans pages."""


def register() -> None:
    pass
