"""The duplicate-pledge specs of a full scan, computed by PostgreSQL in one grouped pass.

The same alerts as :func:`registry.alerts.services.duplicates._specs` builds in Python (a test
compares them on a seeded registry), written straight into the reconcile stage: the live
identity-index rows grouped by key (a hash aggregate, as the raw ``GROUP BY`` the bench takes
as the ceiling), the colliding keys grouped by their set of registrations, then one row per
secured party in each set. Strings sort ``COLLATE "C"``, which is code-point order, as Python
sorts them; the subject names the members as ``_subject_key`` does.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from registry.alerts.services.staged import STAGE, STAGE_COLUMNS
from registry.models import IdentityKeyEntry, Organization, Registration

SUBJECT_MAX = 255
# Keys listed in the message; every key is in the details.
MESSAGE_KEYS = 3

_SQL = """
INSERT INTO {stage} ({columns})
WITH colliding AS (
    SELECT scheme, value, array_agg(registration_id) AS ids
    FROM {keys}
    WHERE released_at IS NULL AND expires_at > %(now)s
    GROUP BY scheme, value
    HAVING min(registration_id) < max(registration_id)
), key_sets AS (
    SELECT scheme, value, ARRAY(SELECT DISTINCT u FROM unnest(ids) AS u ORDER BY u) AS ids
    FROM colliding
), sets AS (
    SELECT ids,
        jsonb_agg(jsonb_build_object('scheme', scheme, 'value', value)
            ORDER BY scheme COLLATE "C", value COLLATE "C") AS keys,
        (array_agg(scheme || ' ' || value
            ORDER BY scheme COLLATE "C", value COLLATE "C"))[1:%(shown)s] AS shown,
        count(*) AS key_count
    FROM key_sets GROUP BY ids
), members AS (
    SELECT s.ids, r.id, r.number, r.secured_party_id AS party, o.code
    FROM sets s CROSS JOIN LATERAL unnest(s.ids) AS m(id)
    JOIN {registrations} r ON r.id = m.id
    JOIN {organizations} o ON o.id = r.secured_party_id
), set_members AS (
    SELECT ids,
        array_to_string(array_agg(number ORDER BY number COLLATE "C"), ',') AS joined,
        array_agg(number ORDER BY number COLLATE "C") AS numbers,
        array_agg(id ORDER BY number COLLATE "C") AS related,
        jsonb_agg(jsonb_build_object('registration_number', number, 'secured_party', code)
            ORDER BY number COLLATE "C") AS registrations
    FROM members GROUP BY ids
), own AS (
    SELECT DISTINCT ON (ids, party) ids, party, id, number
    FROM members ORDER BY ids, party, number COLLATE "C"
)
SELECT own.party,
    CASE WHEN length(m.joined) <= %(subject_room)s THEN 'dup:' || m.joined
        ELSE 'dup:sha256:' || encode(sha256(convert_to(m.joined, 'UTF8')), 'hex') END,
    own.id, NULL, %(severity)s, %(message_code)s,
    jsonb_build_object(
        'number', own.number,
        'keys', array_to_string(s.shown, ', ')
            || CASE WHEN s.key_count > %(shown)s
                THEN ' (+' || (s.key_count - %(shown)s) || ')' ELSE '' END,
        'others', array_to_string(array_remove(m.numbers, own.number), ', ')),
    jsonb_build_object('registrations', m.registrations, 'keys', s.keys),
    m.related
FROM own JOIN sets s USING (ids) JOIN set_members m USING (ids)
"""


def duplicate_specs_stage(*, now: datetime, severity: str, message_code: str) -> dict[str, int]:
    """Fill the stage with one spec per secured party of every colliding set live at ``now``.

    Returns how many live keys it scanned, colliding ``keys`` and colliding ``sets`` it found.
    """
    sql = _SQL.format(
        stage=STAGE,
        columns=", ".join(STAGE_COLUMNS),
        keys=IdentityKeyEntry._meta.db_table,
        registrations=Registration._meta.db_table,
        organizations=Organization._meta.db_table,
    )
    params = {
        "now": now,
        "shown": MESSAGE_KEYS,
        "subject_room": SUBJECT_MAX - len("dup:"),
        "severity": severity,
        "message_code": message_code,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(
            f"""SELECT count(*), coalesce(sum(key_count), 0),
                (SELECT count(*) FROM {IdentityKeyEntry._meta.db_table}
                 WHERE released_at IS NULL AND expires_at > %s)
            FROM (SELECT DISTINCT ON (related) jsonb_array_length(details -> 'keys') AS key_count
                  FROM {STAGE}) AS sets""",  # noqa: S608
            [now],
        )
        sets, keys, scanned = cursor.fetchone()
    return {"scanned": scanned, "sets": sets, "keys": int(keys)}
