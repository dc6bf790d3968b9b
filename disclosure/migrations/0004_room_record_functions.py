"""The database functions of a room record's retention (disclosure/retention/__init__.py).

disclosure_room_record_retention(referral id) -> (rule_id, due_on): an SEN record (date
of birth + the newest SEN rule's years) when the referral names areas of SEND need or the
pupil is recorded with SEN support or an EHC plan; otherwise a pupil record (the newest
pupil rule). The pages and the disposal function both ask this one function.

disclosure_dispose_room_record(proposal id): the only way a room record leaves. It runs as
the owner of the tables (SECURITY DEFINER, search_path pinned), refuses (SQLSTATE ED001,
as records_dispose) unless the proposal was approved by someone other than its proposer,
no legal hold stands on the pupil's file, the referral is closed and its placement over,
the rule and due date are still those proposed and the day has come (in the school's time
zone); then counts the record's rows per table, deletes the reminders about the record,
its calendar feeds, register, work, plan, placement (with its targets, reviews, ratings,
measures, follow-ups) and referral (with its prior support and proposed targets), then
their transitions (whose triggers let a transition go only once its referral or placement
is gone: referrals/disposal_triggers.py), writes the tombstone (the counts, and the work
files no remaining work request shares: a file set for a whole class is kept while
another pupil's request names it), checks every foreign key at once (so a table added
later that still points at the record refuses the disposal instead of failing at
commit), and returns those files' storage names for the caller to delete after commit.

The chronology entries the placement wrote (events, the register's days, concerns) are
the chronology's: they stay, and go by their own rule (records_dispose).
PUBLIC may not execute it; enigma.db_roles grants the application role EXECUTE.
"""

from importlib import import_module

from django.db import migrations

school_today_sql = import_module(
    "records.migrations.0011_disposal_due_in_school_time"
).school_today_sql

RETENTION = """
CREATE OR REPLACE FUNCTION disclosure_room_record_retention(p_referral bigint)
RETURNS TABLE (rule_id bigint, due_on date)
LANGUAGE sql STABLE SET search_path = pg_catalog, {schema}, pg_temp AS $fn$
    WITH basis AS (
        SELECT CASE WHEN cardinality(r.need_areas) > 0 OR s.sen_status IN ('K', 'E')
                    THEN 'sen' ELSE 'pupil' END AS basis,
               s.date_of_birth
        FROM referrals_referral r JOIN enigma_student s ON s.id = r.student_id
        WHERE r.id = p_referral
    ), rule AS (
        SELECT k.id, k.years_after_birth FROM records_retentionrule k JOIN basis b
        ON k.basis = b.basis ORDER BY k.id DESC LIMIT 1
    )
    SELECT rule.id::bigint,
           (basis.date_of_birth + make_interval(years => rule.years_after_birth))::date
    FROM rule, basis
$fn$;
"""

# The tables a room record's rows are in, and how to find them: (name, WHERE clause on
# the row's alias t, with :ref the referral's id and :pl its placement's). Counted for the
# tombstone, then deleted in this order.
PARTS = [
    ("notifications_notification", "t.subject_key = ANY (keys)"),
    ("timetables_calendarfeed", "t.placement_id = pl"),
    ("timetables_registerday", "t.placement_id = pl"),
    ("timetables_registermark", "t.placement_id = pl"),
    ("timetables_workrequest", "t.placement_id = pl"),
    ("timetables_plancell", "t.placement_id = pl"),
    ("timetables_planweeknote", "t.placement_id = pl"),
    ("timetables_exitoverride", "t.placement_id = pl"),
    (
        "referrals_targetrating",
        "t.review_id IN (SELECT v.id FROM referrals_review v WHERE v.placement_id = pl)",
    ),
    (
        "referrals_review_staff_present",
        "t.review_id IN (SELECT v.id FROM referrals_review v WHERE v.placement_id = pl)",
    ),
    ("referrals_review", "t.placement_id = pl"),
    ("referrals_target", "t.placement_id = pl"),
    ("referrals_measure", "t.placement_id = pl"),
    ("referrals_followup", "t.placement_id = pl"),
    ("referrals_placement", "t.id = pl"),
    ("referrals_priorsupport", "t.referral_id = ref"),
    ("referrals_proposedtarget", "t.referral_id = ref"),
    ("referrals_referral", "t.id = ref"),
    # Last: their triggers let them go only once their placement and referral are gone.
    ("referrals_placementtransition", "t.placement_id = pl"),
    ("referrals_referraltransition", "t.referral_id = ref"),
]
TABLES = [name for name, _ in PARTS]

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
CREATE OR REPLACE FUNCTION disclosure_dispose_room_record(p_proposal bigint)
RETURNS SETOF varchar
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    p disclosure_roomrecordproposal%ROWTYPE;
    d disclosure_roomrecorddecision%ROWTYPE;
    ref bigint;
    pl bigint;
    r record;
    n bigint;
    counts jsonb := '{{}}'::jsonb;
    keys varchar[];
    files varchar[];
BEGIN
    SELECT * INTO p FROM disclosure_roomrecordproposal WHERE id = p_proposal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no such disposal proposal.' USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO d FROM disclosure_roomrecorddecision WHERE proposal_id = p_proposal;
    IF NOT FOUND OR NOT d.approved THEN
        RAISE EXCEPTION 'This disposal has not been approved.' USING ERRCODE = 'ED001';
    END IF;
    IF d.decided_by_id = p.proposed_by_id THEN
        RAISE EXCEPTION 'A disposal must be approved by someone other than who proposed it.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT x.id INTO ref FROM referrals_referral x
        WHERE x.id = p.referral_number AND x.student_id = p.student_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This record has already been disposed of.' USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (SELECT 1 FROM referrals_referral x WHERE x.id = ref
               AND x.status IN ('draft', 'submitted', 'info_requested')) THEN
        RAISE EXCEPTION 'The referral is still open: it cannot be disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT y.id INTO pl FROM referrals_placement y WHERE y.referral_id = ref FOR UPDATE;
    IF EXISTS (SELECT 1 FROM referrals_placement y WHERE y.id = pl
               AND y.state IN ('waiting', 'scheduled', 'active')) THEN
        RAISE EXCEPTION 'The placement is not over: it cannot be disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    IF EXISTS (
        SELECT 1 FROM records_legalhold h
        WHERE h.student_id = p.student_id AND h.entry_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM records_legalholdrelease x WHERE x.hold_id = h.id)
    ) THEN
        RAISE EXCEPTION 'A legal hold stands on this pupil''s file: it cannot be disposed of.'
            USING ERRCODE = 'ED001';
    END IF;
    SELECT * INTO r FROM disclosure_room_record_retention(ref);
    IF r.rule_id IS DISTINCT FROM p.rule_id OR r.due_on IS DISTINCT FROM p.due_on THEN
        RAISE EXCEPTION 'The rule or date for this record has changed since it was proposed: '
            'propose it again.' USING ERRCODE = 'ED001';
    END IF;
    IF r.due_on > {{today}} THEN
        RAISE EXCEPTION 'This record is not due for disposal until %.', r.due_on
            USING ERRCODE = 'ED001';
    END IF;

    keys := ARRAY['referral:' || ref];
    IF pl IS NOT NULL THEN
        keys := keys || ARRAY['placement:' || pl]
            || ARRAY(SELECT 'placement:' || pl || ':' || to_char(y.planned_exit, 'YYYY-MM-DD')
                     FROM referrals_placement y WHERE y.id = pl AND y.planned_exit IS NOT NULL)
            || ARRAY(SELECT 'review:' || v.id FROM referrals_review v WHERE v.placement_id = pl)
            || ARRAY(SELECT 'follow_up:' || f.id FROM referrals_followup f
                     WHERE f.placement_id = pl);
    END IF;
{_COUNT}
    files := ARRAY(SELECT DISTINCT w.file FROM timetables_workrequest w
                   WHERE w.placement_id = pl AND w.file <> '');

    -- A later placement that followed this one no longer names it.
    UPDATE referrals_placement SET previous_id = NULL WHERE previous_id = pl;
{_DELETE}
    -- A file set for a whole class is shared: it goes once no request names it.
    files := ARRAY(SELECT f FROM unnest(files) f
                   WHERE NOT EXISTS (SELECT 1 FROM timetables_workrequest w WHERE w.file = f));
    INSERT INTO disclosure_roomrecorddisposal (
        proposal_id, student_id, referral_number, had_placement, rule_id, due_on,
        proposed_by_id, proposed_at, approved_by_id, approved_at, disposed_at,
        rows_removed, files_removed
    ) VALUES (
        p.id, p.student_id, ref, pl IS NOT NULL, r.rule_id, r.due_on,
        p.proposed_by_id, p.proposed_at, d.decided_by_id, d.decided_at, now(),
        counts, cardinality(files)
    );

    -- Whatever still points at the record refuses now, inside the function.
    SET CONSTRAINTS ALL IMMEDIATE;
    SET CONSTRAINTS ALL DEFERRED;
    RETURN QUERY SELECT unnest(files);
END
$fn$;
REVOKE ALL ON FUNCTION disclosure_dispose_room_record(bigint) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS disclosure_dispose_room_record(bigint);
DROP FUNCTION IF EXISTS disclosure_room_record_retention(bigint);
"""


def create_functions(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        where = connection.ops.quote_name(schema)
        cursor.execute(RETENTION.replace("{schema}", where))
        cursor.execute(
            DISPOSE.replace("{schema}", where).replace("{today}", school_today_sql())
        )


def drop_functions(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0003_room_record_retention"),
        ("referrals", "0006_transitions_go_with_their_record"),
        ("timetables", "0002_week_note_starts_the_placement_week"),
        ("notifications", "0005_notification_student_done"),
        ("records", "0012_force_records"),
    ]

    operations = [migrations.RunPython(create_functions, drop_functions, elidable=False)]
