"""Writes for timetables, one module per area of the timetables views: lessons (the normal
timetable), plans (the reintegration plan), work (work requests), feeds (printing and
calendar feeds) and register (the room's register, kept from Today's page and written
into the chronology each evening).
"""
