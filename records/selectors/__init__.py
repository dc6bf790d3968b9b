"""Reads of the student file: chronology (the timeline, actions, shares, the safeguarding
queue and the hash chains, served to the chronology, entries and actions views) and
interventions.
"""
