"""Students' normal timetables from the MIS (SIMS, Arbor, Bromcom exports) as CSV.

Two shapes of export are read:

- "lessons": one file, a row per student per lesson;
- "classes": two files read together, the class timetable (a row per class lesson) and
  the class lists (a row per student in a class).

Built on the core's CSV machinery (enigma.imports: parsing, header matching, row
errors). Use timetables.mis_import.services: preview() for a dry run, apply() to write
all of it or (on any error) none of it.
"""
