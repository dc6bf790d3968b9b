"""The pupil's remaining record now takes with it the pupil's attendance marks at
intervention sessions and the facts of the uses of reasonable force they were in (with the
staff named on them), once no other pupil on such a record still has one.

records migration 0014 lets those append-only rows go only then (the entry disposed of and
the pupil's row marked disposed): so the function now marks and anonymises the pupil's row
first, then counts and deletes. Everything else is as in 0005 (its notes)."""

from importlib import import_module

from django.db import migrations

before = import_module("disclosure.migrations.0005_pupil_record_retention")
school_today_sql = before.school_today_sql

# A use of force goes with the last of its pupils: the pupil is in its entry's chronology
# and every pupil in it has had their record disposed of (this one is marked by then).
_FORCE = (
    "t.entry_id IN (SELECT l.entry_id FROM records_chronologylink l WHERE l.student_id = sid) "
    "AND NOT EXISTS (SELECT 1 FROM records_chronologylink o JOIN enigma_student s "
    "ON s.id = o.student_id WHERE o.entry_id = t.entry_id AND s.record_disposed_at IS NULL)"
)

# The tables of the remaining record and how to find its rows (WHERE on alias t, with
# sid the pupil's id): counted for the tombstone, then deleted in this order (a use of
# force's staff before the use of force itself, while it still says why they may go).
PARTS = [
    *before.PARTS,
    ("records_sessionattendance", "t.student_id = sid"),
    (
        "records_forcerecordstaff",
        f"t.force_record_id IN (SELECT t.id FROM records_forcerecord t WHERE {_FORCE})",
    ),
    ("records_forcerecord", _FORCE),
]
TABLES = [name for name, _ in PARTS]

# What stays, and why (tests/test_pupil_record_retention.py names every table that
# points at a pupil and checks each is in TABLES or here).
KEPT = {k: v for k, v in before.KEPT.items() if k not in TABLES}

_COUNT = "\n".join(
    f"    SELECT count(*) INTO n FROM {name} t WHERE {where};\n"  # noqa: S608 - fixed names
    f"    counts := counts || jsonb_build_object('{name}', n);"
    for name, where in PARTS
)
_DELETE = "\n".join(
    f"    DELETE FROM {name} t WHERE {where};"  # noqa: S608 - fixed names
    for name, where in PARTS
)

DISPOSE = f"""
CREATE OR REPLACE FUNCTION disclosure_dispose_pupil_record(p_proposal bigint)
RETURNS SETOF varchar
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    p disclosure_pupilrecordproposal%ROWTYPE;
    d disclosure_pupilrecorddecision%ROWTYPE;
    sid bigint;
    r record;
    n bigint;
    counts jsonb := '{{}}'::jsonb;
    files varchar[];
BEGIN
    SELECT * INTO p FROM disclosure_pupilrecordproposal WHERE id = p_proposal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no such disposal proposal.' USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO d FROM disclosure_pupilrecorddecision WHERE proposal_id = p_proposal;
    IF NOT FOUND OR NOT d.approved THEN
        RAISE EXCEPTION 'This disposal has not been approved.' USING ERRCODE = 'ED001';
    END IF;
    IF d.decided_by_id = p.proposed_by_id THEN
        RAISE EXCEPTION 'A disposal must be approved by someone other than who proposed it.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT x.id INTO sid FROM enigma_student x WHERE x.id = p.student_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM disclosure_pupilrecorddisposal z WHERE z.student_id = sid) THEN
        RAISE EXCEPTION 'This record has already been disposed of.' USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (SELECT 1 FROM enigma_student x WHERE x.id = sid AND x.on_roll) THEN
        RAISE EXCEPTION 'The pupil is still on roll: their record cannot be disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (
        SELECT 1 FROM records_legalhold h
        WHERE h.student_id = sid AND h.entry_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM records_legalholdrelease x WHERE x.hold_id = h.id)
    ) THEN
        RAISE EXCEPTION 'A legal hold stands on this pupil''s file: it cannot be disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (SELECT 1 FROM records_chronologylink l JOIN records_entry e ON e.id = l.entry_id
               WHERE l.student_id = sid AND e.disposed_at IS NULL) THEN
        RAISE EXCEPTION 'Some of the pupil''s chronology entries have not been disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (SELECT 1 FROM referrals_referral x WHERE x.student_id = sid)
       OR EXISTS (SELECT 1 FROM referrals_placement y WHERE y.student_id = sid) THEN
        RAISE EXCEPTION 'Some of the pupil''s room records have not been disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (SELECT 1 FROM disclosure_subjectaccessexport x
               WHERE x.student_id = sid AND x.status IN ('queued', 'running'))
       OR EXISTS (SELECT 1 FROM disclosure_childprotectiontransfer t
                  WHERE t.student_id = sid AND t.state IN ('prepared', 'sent', 'downloaded')) THEN
        RAISE EXCEPTION 'An export or a transfer of this pupil''s file is under way.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO r FROM disclosure_pupil_record_retention(sid);
    IF r.rule_id IS DISTINCT FROM p.rule_id OR r.due_on IS DISTINCT FROM p.due_on THEN
        RAISE EXCEPTION 'The rule or date for this record has changed since it was proposed: '
            'propose it again.' USING ERRCODE = 'ED001';
    END IF;
    IF r.due_on > {{today}} THEN
        RAISE EXCEPTION 'This record is not due for disposal until %.', r.due_on
            USING ERRCODE = 'ED001';
    END IF;

    -- Marked first: the attendance and force tables let a row go only once its pupil is
    -- (records/disposal_triggers.py).
    UPDATE enigma_student SET
        upn = 'GONE-' || sid, mis_id = NULL, legal_forename = '', legal_surname = '',
        preferred_forename = '', preferred_surname = '',
        date_of_birth = make_date(extract(year FROM date_of_birth)::int, 1, 1),
        tutor_group = '', gender = 'X', sen_status = 'N', pupil_premium = false,
        free_school_meals = false, looked_after = false, eal = false, ethnicity = '',
        left_on = NULL, updated_at = now(), record_disposed_at = now()
    WHERE id = sid;
{_COUNT}
    files := ARRAY(SELECT x.file FROM disclosure_subjectaccessexport x
                   WHERE x.student_id = sid AND x.file <> ''
                   UNION SELECT t.file FROM disclosure_childprotectiontransfer t
                   WHERE t.student_id = sid AND t.file <> '');
{_DELETE}
    -- The audit log keeps who did what to which object and when; its words about the
    -- pupil go (enigma.db.audit_triggers lets exactly this through, once the row is marked).
    UPDATE enigma_auditevent SET object_repr = '', data = '{{}}'::jsonb
    WHERE student_id = sid AND (object_repr <> '' OR data <> '{{}}'::jsonb);
    INSERT INTO disclosure_pupilrecorddisposal (
        proposal_id, student_id, rule_id, due_on, proposed_by_id, proposed_at,
        approved_by_id, approved_at, disposed_at, rows_removed, files_removed
    ) VALUES (
        p.id, sid, r.rule_id, r.due_on, p.proposed_by_id, p.proposed_at,
        d.decided_by_id, d.decided_at, now(), counts, cardinality(files)
    );

    -- Whatever still points at the record refuses now, inside the function.
    SET CONSTRAINTS ALL IMMEDIATE;
    SET CONSTRAINTS ALL DEFERRED;
    RETURN QUERY SELECT unnest(files);
END
$fn$;
REVOKE ALL ON FUNCTION disclosure_dispose_pupil_record(bigint) FROM PUBLIC;
"""


def _replace(schema_editor, sql):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        where = connection.ops.quote_name(schema)
        cursor.execute(sql.replace("{schema}", where).replace("{today}", school_today_sql()))


def forwards(apps, schema_editor):
    _replace(schema_editor, DISPOSE)


def backwards(apps, schema_editor):
    _replace(schema_editor, before.DISPOSE)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0005_pupil_record_retention"),
        ("records", "0016_attendance_and_force_go_with_pupil_record"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
