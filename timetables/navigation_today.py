"""Navigation, home pages and panels for the timetables today pages."""


def register() -> None:
    pass
