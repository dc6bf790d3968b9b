"""The retention schedule: how long each record of the student file is kept.

Rules are data (records.models_retention.RetentionRule), seeded by migration 0008 with
the source of each period named (KCSIE 2025 and the IRMS Information Management Toolkit
for Schools 2019; ../shared/REFERENCE.md 4.4, 4.5):

- a child-protection record (an entry restricted now, records.access): date of birth
  + 25 years;
- an SEN record (an entry in a category marked sen_record, such as SEND): date of birth
  + 31 years;
- any other pupil record in the chronology: until the 25th birthday.

Which rule applies and when an entry falls due are computed by the database function
records_entry_retention (migration 0010), which the pages and the disposal function
both ask: nobody types a date. An entry about several pupils falls due with the youngest.

Nobody edits a rule in the app, not even the school admin: a shorter period makes the
next disposal destroy child-protection records early, and disposal cannot be undone.
A rule changes as code does, reviewed: a migration adds a newer rule for the basis (the
newest is in force; the rules table is append-only, and each disposal keeps the rule it
went under). Which categories hold SEN records is the school admin's, with the
categories themselves (marking one only lengthens what it keeps).

Covered here: chronology entries (with their actions, outcomes, shares, files and session
notes). Everything else the room keeps about a pupil (a referral with its placement,
plan, register, work and reminders: a "room record") falls due under the SEN and pupil
rules above and is disposed of by the disclosure app (disclosure/retention), which sits
above referrals and timetables; a legal hold on the whole file (entry empty) stops both.
"""

from __future__ import annotations

import datetime as dt

# What the disposal function raises when it refuses (its SQLSTATE).
REFUSED = "ED001"


def years_after(day: dt.date, years: int) -> dt.date:
    """day + years, as PostgreSQL adds an interval: 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
