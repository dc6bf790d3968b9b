"""The chronology's hash chain is keyed (HMAC-SHA256, records/chain.py) with a secret kept
outside the database: whoever can edit the database (its owner, with the triggers off)
can rewrite an entry and recompute the chain, but not with the key, and
verify_chronology finds it. Keys rotate; old chains upgrade, but only if they check."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from records import chain
from records.models import Category, ChronologyLink, Entry
from records.selectors import chronology as selectors
from records.services import entries
from tests.db import migrate_records, owner_cursor
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

KEYED = importlib.import_module("records.migrations.0006_keyed_chain")
BEFORE_KEYS = "0005_session_entry_per_student"
KEY_1 = "first-chronology-key-for-these-tests-0123456789"
KEY_2 = "second-chronology-key-for-these-tests-987654321"


def concern(author, student, summary="Upset after break") -> Entry:
    return entries.record_entry(
        author=author,
        students=[student],
        kind=Entry.Kind.CONCERN,
        category=Category.objects.get_or_create(name="Behaviour")[0],
        summary=summary,
        account="Crying in the corridor; said someone took her bag.",
    )


def verify(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_chronology", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rewrite_as_owner(entry: Entry, account: str, student, rehash) -> None:
    """What the database's owner could do: switch the triggers off, rewrite an entry and
    recompute that student's chain with `rehash(prev_hash, link)`, so that every link
    again follows from the one before."""
    with owner_cursor() as cursor:
        cursor.execute("ALTER TABLE records_entry DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE records_chronologylink DISABLE TRIGGER USER")
        cursor.execute("UPDATE records_entry SET account = %s WHERE id = %s", [account, entry.pk])
        cursor.execute("ALTER TABLE records_entry ENABLE TRIGGER USER")
    links = list(student.chronology_links.select_related("entry").order_by("seq"))
    prev, rows = chain.GENESIS, []
    for link in links:
        sealed = rehash(prev, link)  # a first-format hash, or a digest-format Seal
        new_hash, digest = (
            (sealed, "") if isinstance(sealed, str) else (sealed.hash, sealed.content_digest)
        )
        rows.append((prev, new_hash, digest, link.pk))
        prev = new_hash
    with owner_cursor() as cursor:
        cursor.execute("ALTER TABLE records_chronologylink DISABLE TRIGGER USER")
        cursor.executemany(
            "UPDATE records_chronologylink SET prev_hash = %s, hash = %s, content_digest = %s "
            "WHERE id = %s",
            rows,
        )
        cursor.execute("ALTER TABLE records_chronologylink ENABLE TRIGGER USER")


def plain_sha256(prev, link):
    """The chain as it was before it was keyed: anyone can compute it."""
    where = {"student_id": link.student_id, "seq": link.seq, "entry": link.entry}
    return KEYED._plain_hash(prev_hash=prev, **where)


def guessed_key(prev, link):
    where = {"student_id": link.student_id, "seq": link.seq, "entry": link.entry}
    return chain.link_hash(
        prev_hash=prev, **where, key_id=link.key_id, key=b"a-guess-at-the-chronology-key-0123"
    )


def the_real_key(prev, link):
    """Sealed as the application seals a link (digest format), with the real key."""
    return chain.seal(prev_hash=prev, student_id=link.student_id, seq=link.seq, entry=link.entry)


# --- rewriting without the key ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rehash", [plain_sha256, guessed_key], ids=["plain-sha256", "guess"])
def test_an_entry_rewritten_and_rechained_without_the_key_is_found(cora, rehash):
    amy, ben = StudentFactory(), StudentFactory()
    concern(cora, amy, "First")
    altered = concern(cora, amy, "Second")
    concern(cora, amy, "Third")
    concern(cora, ben)
    rewrite_as_owner(altered, "Nothing to see here.", amy, rehash)

    assert Entry.objects.get(pk=altered.pk).account == "Nothing to see here."
    with pytest.raises(CommandError, match="1 chronology is broken"):
        verify()
    checked, breaks = selectors.chain_breaks()
    assert checked == 4
    # The first link it finds wrong is the chain's first: none was sealed with the key.
    assert [(b.student_id, b.seq) for b in breaks] == [(amy.pk, 1)]
    assert "altered" in breaks[0].reason
    assert verify("--student", str(ben.pk))[0].startswith("All chronologies intact: 1 link")


@pytest.mark.django_db(transaction=True)
def test_with_the_key_the_same_rewrite_would_pass_so_the_key_is_what_protects(cora):
    amy = StudentFactory()
    concern(cora, amy, "First")
    altered = concern(cora, amy, "Second")
    rewrite_as_owner(altered, "Nothing to see here.", amy, the_real_key)
    assert Entry.objects.get(pk=altered.pk).account == "Nothing to see here."
    assert verify()[0] == "All chronologies intact: 2 links checked.\n"


def test_each_link_names_its_key_and_its_hash_is_the_keyed_one(cora):
    amy = StudentFactory()
    concern(cora, amy)
    link = amy.chronology_links.select_related("entry").get()
    assert link.key_id == "test-1"
    assert link.hash == the_real_key(chain.GENESIS, link).hash != plain_sha256(chain.GENESIS, link)
    assert link.content_digest == chain.content_digest(link.entry, chain.current_key()[1])


# --- keys -------------------------------------------------------------------------------


def test_a_new_key_seals_new_links_and_old_links_still_check_with_theirs(cora):
    amy = StudentFactory()
    with override_settings(CHRONOLOGY_KEYS={"k1": KEY_1}, CHRONOLOGY_KEY_ID="k1"):
        concern(cora, amy, "Under the first key")
    both = {"k1": KEY_1, "k2": KEY_2}
    with override_settings(CHRONOLOGY_KEYS=both, CHRONOLOGY_KEY_ID="k2"):
        concern(cora, amy, "Under the second key")
        assert list(amy.chronology_links.order_by("seq").values_list("key_id", flat=True)) == [
            "k1",
            "k2",
        ]
        assert verify()[0] == "All chronologies intact: 2 links checked.\n"
    with override_settings(CHRONOLOGY_KEYS={"k2": KEY_2}, CHRONOLOGY_KEY_ID="k2"):
        with pytest.raises(CommandError, match="1 chronology is broken"):
            verify()
        [found] = selectors.chain_breaks()[1]
        assert found.seq == 1 and "key “k1”, which is not in CHRONOLOGY_KEYS" in found.reason
    with override_settings(CHRONOLOGY_KEYS={"k1": KEY_2, "k2": KEY_2}, CHRONOLOGY_KEY_ID="k2"):
        [found] = selectors.chain_breaks()[1]  # k1 with the wrong secret
        assert found.seq == 1 and "altered" in found.reason


def test_verify_needs_the_keys(cora):
    concern(cora, StudentFactory())
    with (
        override_settings(CHRONOLOGY_KEYS={}),
        pytest.raises(CommandError, match="CHRONOLOGY_KEYS"),
    ):
        verify()


def test_nothing_is_recorded_without_a_current_key(cora):
    from django.core.exceptions import ImproperlyConfigured

    student = StudentFactory()
    with (
        override_settings(CHRONOLOGY_KEYS={"k1": KEY_1}, CHRONOLOGY_KEY_ID="k2"),
        pytest.raises(ImproperlyConfigured),
    ):
        concern(cora, student)
    assert not Entry.objects.exists()


# --- upgrading chains made before the key -------------------------------------------------


def links_as_stored() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, prev_hash, hash FROM records_chronologylink ORDER BY id")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_upgrading_seals_the_old_plain_chains_with_the_key(cora):
    amy, ben = StudentFactory(), StudentFactory()
    for n in range(3):
        concern(cora, amy, f"Entry {n}")
    concern(cora, ben)
    keyed = links_as_stored()
    try:
        migrate_records(BEFORE_KEYS)  # as the chain was: plain sha256
        plain = links_as_stored()
        links = {
            link.pk: link
            for link in ChronologyLink.objects.select_related("entry").defer(
                "key_id", "content_digest", "entry__disposed_at"
            )
        }
        expected, prev = [], {}
        for pk, prev_hash, old_hash in plain:
            link = links[pk]
            assert prev_hash == prev.get(link.student_id, chain.GENESIS)
            assert old_hash == plain_sha256(prev_hash, link)
            prev[link.student_id] = old_hash
            expected.append(pk)
        assert expected == [pk for pk, *_ in keyed]
    finally:
        migrate_records()
    assert links_as_stored() == keyed
    assert set(ChronologyLink.objects.values_list("key_id", flat=True)) == {"test-1"}
    assert verify()[0] == "All chronologies intact: 4 links checked.\n"


@pytest.mark.django_db(transaction=True)
def test_upgrading_refuses_to_seal_a_chain_that_is_already_broken(cora):
    amy = StudentFactory()
    concern(cora, amy, "First")
    altered = concern(cora, amy, "Second")
    try:
        migrate_records(BEFORE_KEYS)
        plain = links_as_stored()
        with owner_cursor() as cursor:  # an alteration from before the upgrade
            cursor.execute("ALTER TABLE records_entry DISABLE TRIGGER USER")
            cursor.execute("UPDATE records_entry SET summary = 'Moved' WHERE id = %s", [altered.pk])
            cursor.execute("ALTER TABLE records_entry ENABLE TRIGGER USER")
        with pytest.raises(CommandError) as refused:
            migrate_records()
        message = str(refused.value)
        assert "1 chronology is already broken" in message
        assert f"student {amy.pk}: entry {altered.pk} (link #2) has been altered" in message
        assert links_as_stored() == plain  # nothing was sealed
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM django_migrations WHERE app = 'records' ORDER BY id DESC"
            )
            assert cursor.fetchone()[0] == BEFORE_KEYS
    finally:
        with owner_cursor() as cursor:  # put it back, as a restore from backup would
            cursor.execute("ALTER TABLE records_entry DISABLE TRIGGER USER")
            cursor.execute(
                "UPDATE records_entry SET summary = 'Second' WHERE id = %s", [altered.pk]
            )
            cursor.execute("ALTER TABLE records_entry ENABLE TRIGGER USER")
        migrate_records()
    assert verify()[0] == "All chronologies intact: 2 links checked.\n"
