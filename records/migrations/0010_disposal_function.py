"""The database functions of the retention schedule (records/retention.py).

records_entry_retention(entry id) -> (rule_id, due_on): which rule an entry is kept
under and the day it falls due. A restricted entry (as records.access decides: any entry
of its thread of corrections recorded restricted or in a category restricted now) is a
child-protection record; otherwise an entry in a category marked sen_record is an SEN
record; anything else is a pupil record. It is due on the latest date of birth among its
students plus the newest rule of that basis's years. The pages and the disposal function
both ask this one function, so they cannot disagree.

records_dispose(proposal id): the only way content leaves the student file. It runs as
the owner of the tables (SECURITY DEFINER, with its search_path pinned so that no
temporary table can stand in for one of them), refuses unless the proposal was approved
by someone other than its proposer, no legal hold stands on the entry or any of its
students, the rule and due date are still those proposed, the day has come and every
link of the entry is in the digest format; then writes the tombstone to the disposal
log, blanks the entry's content columns and those of its actions, outcomes, shares,
files' names and session notes (the UPDATE triggers let only this through:
records/disposal_triggers.py), and returns the storage names of the entry's files for
the caller to delete. PUBLIC may not execute it; enigma.db_roles grants the application
role EXECUTE, and nothing else on it.
"""

from django.db import migrations

from records.chain import DISPOSED_SUMMARY

# records.access.RestrictedNow's template, rendered for the function's argument (frozen
# here: tests/test_retention.py checks that both say the same of a reclassified thread).
RESTRICTED = (
    "EXISTS (WITH RECURSIVE thread_up (id, amends_id) AS ("
    " SELECT e.id, e.amends_id FROM records_entry e WHERE e.id = (p_entry)"
    " UNION SELECT o.id, o.amends_id FROM records_entry o"
    " JOIN thread_up u ON o.id = u.amends_id),"
    " thread (id, restricted, category_id) AS ("
    " SELECT r.id, r.restricted, r.category_id FROM records_entry r"
    " JOIN thread_up u ON r.id = u.id WHERE u.amends_id IS NULL"
    " UNION SELECT c.id, c.restricted, c.category_id FROM records_entry c"
    " JOIN thread t ON c.amends_id = t.id)"
    " SELECT 1 FROM thread t LEFT JOIN records_category k ON k.id = t.category_id"
    " WHERE t.restricted OR k.restricted)"
)

RETENTION = f"""
CREATE OR REPLACE FUNCTION records_entry_retention(p_entry bigint)
RETURNS TABLE (rule_id bigint, due_on date)
LANGUAGE sql STABLE SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
    WITH basis AS (
        SELECT CASE
            WHEN {RESTRICTED} THEN 'child_protection'
            WHEN EXISTS (SELECT 1 FROM records_entry e JOIN records_category k
                         ON k.id = e.category_id WHERE e.id = p_entry AND k.sen_record)
                THEN 'sen'
            ELSE 'pupil' END AS basis
    ), rule AS (
        SELECT r.id, r.years_after_birth FROM records_retentionrule r JOIN basis b
        ON r.basis = b.basis ORDER BY r.id DESC LIMIT 1
    )
    SELECT rule.id::bigint,
           (max(s.date_of_birth) + make_interval(years => rule.years_after_birth))::date
    FROM rule, records_chronologylink l JOIN enigma_student s ON s.id = l.student_id
    WHERE l.entry_id = p_entry
    GROUP BY rule.id, rule.years_after_birth
$fn$;
"""

DISPOSED = DISPOSED_SUMMARY.replace("'", "''")

DISPOSE = f"""
CREATE OR REPLACE FUNCTION records_dispose(p_proposal bigint)
RETURNS SETOF varchar
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    p records_disposalproposal%ROWTYPE;
    d records_disposaldecision%ROWTYPE;
    e records_entry%ROWTYPE;
    r record;
    basis varchar;
    files integer;
BEGIN
    SELECT * INTO p FROM records_disposalproposal WHERE id = p_proposal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no such disposal proposal.' USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO d FROM records_disposaldecision WHERE proposal_id = p_proposal;
    IF NOT FOUND OR NOT d.approved THEN
        RAISE EXCEPTION 'This disposal has not been approved.' USING ERRCODE = 'ED001';
    END IF;
    IF d.decided_by_id = p.proposed_by_id THEN
        RAISE EXCEPTION 'A disposal must be approved by someone other than who proposed it.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO e FROM records_entry WHERE id = p.entry_id FOR UPDATE;
    IF e.disposed_at IS NOT NULL THEN
        RAISE EXCEPTION 'This record has already been disposed of.' USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (
        SELECT 1 FROM records_legalhold h
        WHERE NOT EXISTS (SELECT 1 FROM records_legalholdrelease x WHERE x.hold_id = h.id)
        AND (h.entry_id = e.id OR (h.entry_id IS NULL AND h.student_id IN (
            SELECT l.student_id FROM records_chronologylink l WHERE l.entry_id = e.id)))
    ) THEN
        RAISE EXCEPTION 'A legal hold stands on this record: it cannot be disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO r FROM records_entry_retention(e.id);
    IF r.rule_id IS DISTINCT FROM p.rule_id OR r.due_on IS DISTINCT FROM p.due_on THEN
        RAISE EXCEPTION 'The rule or date for this record has changed since it was proposed: '
            'propose it again.' USING ERRCODE = 'ED001';
    END IF;
    IF r.due_on > current_date THEN
        RAISE EXCEPTION 'This record is not due for disposal until %.', r.due_on
            USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (SELECT 1 FROM records_chronologylink l
               WHERE l.entry_id = e.id AND l.content_digest = '') THEN
        RAISE EXCEPTION 'This record is sealed in the first link format: migrate first.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT k.basis INTO basis FROM records_retentionrule k WHERE k.id = r.rule_id;
    SELECT count(*) INTO files FROM records_attachment a WHERE a.entry_id = e.id;
    INSERT INTO records_disposallog (
        proposal_id, entry_id, kind, was_restricted, occurred_at, rule_id, due_on,
        proposed_by_id, proposed_at, approved_by_id, approved_at, disposed_at, files_removed
    ) VALUES (
        p.id, e.id, e.kind, basis = 'child_protection', e.occurred_at, r.rule_id, r.due_on,
        p.proposed_by_id, p.proposed_at, d.decided_by_id, d.decided_at, now(), files
    );
    UPDATE records_entry SET
        summary = '{DISPOSED}', account = '', contact_with = '', agreed = '',
        amendment_reason = CASE WHEN amends_id IS NULL THEN '' ELSE '{DISPOSED}' END,
        disposed_at = now()
    WHERE id = e.id;
    UPDATE records_action SET description = '' WHERE entry_id = e.id;
    UPDATE records_actioncompletion SET outcome = ''
        WHERE action_id IN (SELECT id FROM records_action WHERE entry_id = e.id);
    UPDATE records_entryshare SET reason = '' WHERE entry_id = e.id;
    UPDATE records_sessionattendance SET note = '' WHERE entry_id = e.id;
    RETURN QUERY SELECT a.file FROM records_attachment a WHERE a.entry_id = e.id;
    UPDATE records_attachment SET original_name = '' WHERE entry_id = e.id;
END
$fn$;
REVOKE ALL ON FUNCTION records_dispose(bigint) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS records_dispose(bigint);
DROP FUNCTION IF EXISTS records_entry_retention(bigint);
"""


def create_functions(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        where = connection.ops.quote_name(schema)
        cursor.execute(RETENTION.replace("{schema}", where))
        cursor.execute(DISPOSE.replace("{schema}", where))


def drop_functions(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("records", "0009_digest_chain")]

    operations = [migrations.RunPython(create_functions, drop_functions, elidable=False)]
