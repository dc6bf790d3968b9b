"""Role-matrix rows for the timetables plans pages (url name -> the roles allowed).

POST_ONLY: views that only accept POST.
"""

EXPECTED: dict = {}
POST_ONLY: set[str] = set()
