"""Reads for timetables, one module per area of the timetables views: lessons, plans,
today, work and feeds (the printable week); coverage (no subject dropped) and register
(what the room's register adds up to) serve several. Reads never import the services:
room use per lesson lives in timetables.occupancy, which both sides read.
"""
