"""Key the chronology's hash chain: HMAC-SHA256 under a key kept outside the database.

Each link now names the key it is sealed with (key_id), and every existing link is
sealed again with the current key (CHRONOLOGY_KEY_ID). Links hashed with plain sha256
must not stay acceptable: whoever can edit the database could recompute them.

Before anything is rewritten, the old chains are checked as they were made (plain
sha256, the format frozen below). A break refuses the migration and names the entry, so
that an old alteration is not laundered into a freshly sealed chain: investigate it
(restore from a backup), then migrate again.

Rewriting the links needs the link table's UPDATE trigger off. This migration, run as
the database's owner by `manage.py migrate`, switches that one trigger off for one
UPDATE statement, in the migration's own transaction, and back on before it commits:
the only place in the project that does so (tests/test_append_only.py allows exactly
this file). The application's role could not do it, nor the UPDATE, at any time.

Reversible: going back checks the keyed chains with the configured keys and writes the
plain sha256 hashes again.
"""

import datetime as dt
import hashlib
import json
from itertools import groupby
from operator import attrgetter

from django.core.management.base import CommandError
from django.db import migrations, models

from records import chain

TABLE = "records_chronologylink"
UPDATE_TRIGGER = "pgtrigger_chronology_link_no_update_b542d"  # see 0001_chronology
GENESIS = "0" * 64


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _plain_hash(*, prev_hash, student_id, seq, entry) -> str:
    """A link's hash as records.chain made it before this migration: unkeyed."""
    content = {
        "id": entry.pk,
        "kind": entry.kind,
        "category": entry.category_id,
        "restricted": entry.restricted,
        "occurred_at": _when(entry.occurred_at),
        "recorded_at": _when(entry.recorded_at),
        "author": entry.author_id,
        "summary": entry.summary,
        "account": entry.account,
        "contact_with": entry.contact_with,
        "contact_method": entry.contact_method,
        "agreed": entry.agreed,
        "event_code": entry.event_code,
        "amends": entry.amends_id,
        "amendment_reason": entry.amendment_reason,
    }
    document = {"prev": prev_hash, "student": student_id, "seq": seq, "entry": content}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain_break(links) -> str | None:
    prev, expected = GENESIS, 1
    for link in links:
        where = f"student {link.student_id}: entry {link.entry_id} (link #{link.seq})"
        if link.seq != expected:
            return f"{where} is numbered {link.seq} where {expected} belongs"
        if link.prev_hash != prev:
            return f"{where} does not follow from the link before it"
        if _plain_hash(
            prev_hash=prev, student_id=link.student_id, seq=link.seq, entry=link.entry
        ) != (link.hash):
            return f"{where} has been altered since it was recorded"
        prev, expected = link.hash, expected + 1
    return None


def _chains(apps, schema_editor):
    """Each student's links in order, entries loaded, a chunk at a time."""
    Link = apps.get_model("records", "ChronologyLink")
    links = (
        Link.objects.using(schema_editor.connection.alias)
        .select_related("entry")
        .order_by("student_id", "seq")
    )
    for _student, group in groupby(links.iterator(chunk_size=2000), attrgetter("student_id")):
        yield list(group)


def _refuse(breaks: list[str], what: str):
    shown = "\n  ".join(breaks[:20])
    more = f"\n  ... and {len(breaks) - 20} more" if len(breaks) > 20 else ""
    raise CommandError(
        f"{len(breaks)} chronolog{'y is' if len(breaks) == 1 else 'ies are'} already broken, "
        f"so {what} (that would hide the break):\n  {shown}{more}\n"
        f"Investigate (restore the altered rows from a backup), then migrate again."
    )


def _rewrite(schema_editor, rows):
    """Set (prev_hash, hash, key_id) by link id, with the UPDATE trigger off for the one
    statement that does it."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE rechained (id bigint PRIMARY KEY, prev_hash varchar(64), "
            "hash varchar(64), key_id varchar(32)) ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO rechained VALUES (%s, %s, %s, %s)", rows)
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {UPDATE_TRIGGER}")
        cursor.execute(
            f"UPDATE {TABLE} AS link SET prev_hash = r.prev_hash, hash = r.hash, "  # noqa: S608
            "key_id = r.key_id FROM rechained AS r WHERE link.id = r.id"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {UPDATE_TRIGGER}")
        cursor.execute("DROP TABLE rechained")


def seal_with_the_key(apps, schema_editor):
    breaks = [found for links in _chains(apps, schema_editor) if (found := _plain_break(links))]
    if breaks:
        _refuse(breaks, "their links are not sealed with the chronology key")
    rows = []
    for links in _chains(apps, schema_editor):
        prev = GENESIS
        for link in links:
            # The first link format (whole content), as this migration made it; migration
            # 0009 moves links on to content digests.
            key_id, key = chain.current_key()
            new_hash = chain.link_hash(
                prev_hash=prev,
                student_id=link.student_id,
                seq=link.seq,
                entry=link.entry,
                key_id=key_id,
                key=key,
            )
            rows.append((link.pk, prev, new_hash, key_id))
            prev = new_hash
    if rows:
        _rewrite(schema_editor, rows)


def back_to_plain_sha256(apps, schema_editor):
    breaks = [str(found) for links in _chains(apps, schema_editor) if (found := chain.first_break(links))]
    if breaks:
        _refuse(breaks, "they are not unsealed")
    rows = []
    for links in _chains(apps, schema_editor):
        prev = GENESIS
        for link in links:
            old_hash = _plain_hash(
                prev_hash=prev, student_id=link.student_id, seq=link.seq, entry=link.entry
            )
            rows.append((link.pk, prev, old_hash, ""))
            prev = old_hash
    if rows:
        _rewrite(schema_editor, rows)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_session_entry_per_student"),
    ]

    operations = [
        migrations.AddField(
            model_name="chronologylink",
            name="key_id",
            field=models.CharField(
                default="", help_text="The chronology key it is sealed with.", max_length=32
            ),
            preserve_default=False,
        ),
        migrations.RunPython(seal_with_the_key, back_to_plain_sha256, elidable=False),
    ]
