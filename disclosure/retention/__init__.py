"""Retention and disposal of a pupil's room record: everything the room kept about one
referral (disclosure/models_retention.py lists it), beyond the chronology.

Which rule: the records app's rules, held as data (records.models_retention.RetentionRule,
seeded with their sources by records migration 0008):
- an SEN record (date of birth + 31 years; IRMS Information Management Toolkit for
  Schools, SEN files and reviews) when the referral names areas of SEND need, or the pupil
  is recorded with SEN support or an EHC plan: a room placement is then part of the
  graduated response the SEN file keeps;
- otherwise a pupil record (until the 25th birthday; IRMS toolkit, the pupil record at the
  last school).
The whole record goes together, by the longer of the two when either applies, so a
placement's plan never outlives or predeceases its referral. The database function
disclosure_room_record_retention (disclosure migration 0004) decides, and the pages and
the disposal function both ask it: nobody types a date.

Who: the DSL proposes, the head (deputy head) or the school admin approves, as for a
chronology entry (the same capabilities); a legal hold on the pupil's file stops it.
Disposal deletes the rows and the work files, and the database function
disclosure_dispose_room_record writes the tombstone (disclosure.RoomRecordDisposal),
which names the pupil, the referral's former id, the rule and the two people, and counts
what went; the audit rows name the proposal and the counts, never what the record said.
"""
