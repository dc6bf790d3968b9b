"""Move every chronology link to the digest format (records.chain), so that disposal can
remove an entry's content while its link, and every link after it, still checks.

Each link keeps its place; its hash is sealed again over a keyed digest of the entry's
content, stored on the link. As in 0006, the chains are first checked as they are (the
first link format, with the configured keys); a break refuses the migration and names
the entry, so that an old alteration is not sealed into a new chain. Rewriting needs the
link table's UPDATE trigger off for the one UPDATE statement, inside this migration's
transaction, run as the owner (tests/test_append_only.py allows this file and 0006).

Reversible while nothing has been disposed of: going back checks the digest chains and
writes first-format hashes again.
"""

from itertools import groupby
from operator import attrgetter

from django.core.management.base import CommandError
from django.db import migrations

from records import chain

TABLE = "records_chronologylink"
UPDATE_TRIGGER = "pgtrigger_chronology_link_no_update_b542d"  # see 0001_chronology


def _chains(apps, schema_editor):
    Link = apps.get_model("records", "ChronologyLink")
    links = (
        Link.objects.using(schema_editor.connection.alias)
        .select_related("entry")
        .order_by("student_id", "seq")
    )
    for _student, group in groupby(links.iterator(chunk_size=2000), attrgetter("student_id")):
        yield list(group)


def _refuse_broken(apps, schema_editor, what: str):
    breaks = [str(b) for links in _chains(apps, schema_editor) if (b := chain.first_break(links))]
    if breaks:
        shown = "\n  ".join(breaks[:20])
        raise CommandError(
            f"{len(breaks)} chronolog{'y is' if len(breaks) == 1 else 'ies are'} already "
            f"broken, so {what} (that would hide the break):\n  {shown}\n"
            "Investigate (restore the altered rows from a backup), then migrate again."
        )


def _rewrite(schema_editor, rows):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE resealed (id bigint PRIMARY KEY, prev_hash varchar(64), "
            "hash varchar(64), key_id varchar(32), content_digest varchar(64)) ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO resealed VALUES (%s, %s, %s, %s, %s)", rows)
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {UPDATE_TRIGGER}")
        cursor.execute(
            f"UPDATE {TABLE} AS link SET prev_hash = r.prev_hash, hash = r.hash, "  # noqa: S608
            "key_id = r.key_id, content_digest = r.content_digest FROM resealed AS r "
            "WHERE link.id = r.id"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {UPDATE_TRIGGER}")
        cursor.execute("DROP TABLE resealed")


def seal_over_digests(apps, schema_editor):
    _refuse_broken(apps, schema_editor, "they are not moved to content digests")
    rows = []
    for links in _chains(apps, schema_editor):
        prev = chain.GENESIS
        for link in links:
            sealed = chain.seal(
                prev_hash=prev, student_id=link.student_id, seq=link.seq, entry=link.entry
            )
            rows.append((link.pk, prev, sealed.hash, sealed.key_id, sealed.content_digest))
            prev = sealed.hash
    if rows:
        _rewrite(schema_editor, rows)


def back_to_whole_content(apps, schema_editor):
    Entry = apps.get_model("records", "Entry")
    if Entry.objects.using(schema_editor.connection.alias).filter(disposed_at__isnull=False):
        raise CommandError(
            "Entries have been disposed of: their links cannot go back to hashing content "
            "that is gone."
        )
    _refuse_broken(apps, schema_editor, "they are not moved back")
    key_id, key = chain.current_key()
    rows = []
    for links in _chains(apps, schema_editor):
        prev = chain.GENESIS
        for link in links:
            where = {"student_id": link.student_id, "seq": link.seq, "entry": link.entry}
            new_hash = chain.link_hash(prev_hash=prev, **where, key_id=key_id, key=key)
            rows.append((link.pk, prev, new_hash, key_id, ""))
            prev = new_hash
    if rows:
        _rewrite(schema_editor, rows)


class Migration(migrations.Migration):
    dependencies = [("records", "0008_retention_rules")]

    operations = [migrations.RunPython(seal_over_digests, back_to_whole_content, elidable=False)]
