"""The calendar page's suggested bank holidays (issue 15): the package's rules are worked
through once a process for the same years, not on every view of the page."""

from __future__ import annotations

import datetime as dt

from enigma import school_calendar


def test_bank_holidays_are_worked_out_once_for_the_same_years(monkeypatch):
    calls = []
    real = school_calendar.holidays_lib.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs["years"])
        return real(*args, **kwargs)

    monkeypatch.setattr(school_calendar.holidays_lib, "country_holidays", counting)
    years = [2031, 2030, 2031]  # years no other test asks for, in any order
    first = school_calendar.bank_holidays(years)
    assert (dt.date(2030, 12, 25), "Christmas Day") in first
    first.clear()  # a caller's list is its own
    again = school_calendar.bank_holidays([2030, 2031])
    assert again == sorted(again) and (dt.date(2031, 1, 1), "New Year's Day") in again
    assert calls == [[2030, 2031]]
    assert school_calendar.bank_holidays([]) == []
