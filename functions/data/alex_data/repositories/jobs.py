"""Jobs: creation, status transitions, payload writes, reads; all scoped by clerk_user_id.

Every write is one statement that locks the user's job (`FOR UPDATE`, so it sees the latest
committed state even under concurrent writers), changes it only if the change is allowed and
needed, and answers a `JobChange` document: the status it found, whether it changed anything,
whether the stored state already was what was asked (a redelivery), and the job as it now is,
without its payloads (a `JobSummary`: a write's answer stays small however large the job).
No row means no such job for this user. The operation turns that into a result, `NotFound`
or `Conflict`; the database never sees a read-modify-write from Python.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from alex_schemas.limits import JOB_PAYLOADS_BYTES
from alex_schemas.results import JobSummary
from alex_schemas.vocab import JobStatus, JobType
from pydantic import JsonValue

from alex_data.repositories.paging import encode_cursor, time_and_id_after
from alex_data.rows import JobChange, JobCreation, JobRecord
from alex_data.sql_runner import SqlRunner

# As CREATE_ACCOUNT: a redelivery meets its own job in ON CONFLICT and answers it as stored.
CREATE_JOB = """
WITH written AS (
    INSERT INTO jobs AS j (id, clerk_user_id, job_type, request_payload)
    SELECT CAST(:job_id AS uuid), u.clerk_user_id, :job_type, CAST(:request_payload AS jsonb)
    FROM users AS u
    WHERE u.clerk_user_id = :clerk_user_id
    ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
    WHERE j.clerk_user_id = EXCLUDED.clerk_user_id
    RETURNING j.*
)
SELECT jsonb_build_object(
    'user_found', EXISTS (SELECT FROM users AS u WHERE u.clerk_user_id = :clerk_user_id),
    'id_taken', EXISTS (SELECT FROM jobs AS j WHERE j.id = CAST(:job_id AS uuid)),
    'job', (SELECT to_jsonb(w) - ARRAY[
        'request_payload', 'report_payload', 'charts_payload', 'retirement_payload',
        'summary_payload'
    ] FROM written AS w),
    'same_request', (SELECT w.request_payload = CAST(:request_payload AS jsonb) FROM written AS w)
)
"""

# One statement for every transition: :from_status -> :to_status, stamping started_at on
# start and completed_at (and the error) on finish. Repeating a transition finds the job
# already in :to_status: `same`, and nothing is written.
TRANSITION_JOB = """
WITH current_job AS (
    SELECT j.* FROM jobs AS j
    WHERE j.id = CAST(:job_id AS uuid) AND j.clerk_user_id = :clerk_user_id
    FOR UPDATE
), moved AS (
    UPDATE jobs AS j SET
        status = CAST(:to_status AS varchar),
        started_at = CASE WHEN CAST(:to_status AS varchar) = 'running'
            THEN now() ELSE j.started_at END,
        completed_at = CASE WHEN CAST(:to_status AS varchar) IN ('completed', 'failed')
            THEN now() ELSE j.completed_at END,
        error_message = CASE WHEN CAST(:to_status AS varchar) = 'failed'
            THEN CAST(:error_message AS text) ELSE j.error_message END
    FROM current_job AS c
    WHERE j.id = c.id AND c.status = CAST(:from_status AS varchar)
    RETURNING j.*
)
SELECT jsonb_build_object(
    'previous_status', c.status,
    'changed', EXISTS (SELECT FROM moved),
    'same', c.status = CAST(:to_status AS varchar),
    'job', coalesce((SELECT to_jsonb(m) FROM moved AS m), to_jsonb(c)) - ARRAY[
        'request_payload', 'report_payload', 'charts_payload', 'retirement_payload',
        'summary_payload'
    ]
)
FROM current_job AS c
"""

# An agent's output, written while the job is open (pending or running). :slot names the
# column: report and retirement are replaced, charts and summary merged key by key with ||
# (so concurrent writers each keep their keys). A write that would change nothing is not
# made, and is `same`: that is how a redelivery to a finished job still succeeds. Nor is one
# that would make the job's payloads together larger than :max_bytes (as stored, in UTF-8):
# GetJob answers them all at once, in one Lambda response; it is `too_large`, with the size.
WRITE_JOB_PAYLOAD = """
WITH current_job AS (
    SELECT j.* FROM jobs AS j
    WHERE j.id = CAST(:job_id AS uuid) AND j.clerk_user_id = :clerk_user_id
    FOR UPDATE
), wanted AS (
    SELECT
        c.id,
        c.status,
        CASE CAST(:slot AS varchar)
            WHEN 'report' THEN c.report_payload
            WHEN 'charts' THEN c.charts_payload
            WHEN 'retirement' THEN c.retirement_payload
            WHEN 'summary' THEN c.summary_payload
        END AS stored,
        CASE CAST(:slot AS varchar)
            WHEN 'report' THEN CAST(:payload AS jsonb)
            WHEN 'charts' THEN coalesce(c.charts_payload, '{}') || CAST(:payload AS jsonb)
            WHEN 'retirement' THEN CAST(:payload AS jsonb)
            WHEN 'summary' THEN coalesce(c.summary_payload, '{}') || CAST(:payload AS jsonb)
        END AS next
    FROM current_job AS c
), sized AS (
    SELECT w.*, octet_length(CAST(jsonb_build_array(
        c.request_payload,
        CASE WHEN CAST(:slot AS varchar) = 'report' THEN w.next ELSE c.report_payload END,
        CASE WHEN CAST(:slot AS varchar) = 'charts' THEN w.next ELSE c.charts_payload END,
        CASE WHEN CAST(:slot AS varchar) = 'retirement' THEN w.next ELSE c.retirement_payload END,
        CASE WHEN CAST(:slot AS varchar) = 'summary' THEN w.next ELSE c.summary_payload END
    ) AS text)) AS total
    FROM wanted AS w JOIN current_job AS c ON c.id = w.id
), written AS (
    -- w.next was computed from the locked row, so it is the latest state merged with :payload
    UPDATE jobs AS j SET
        report_payload = CASE WHEN CAST(:slot AS varchar) = 'report'
            THEN w.next ELSE j.report_payload END,
        charts_payload = CASE WHEN CAST(:slot AS varchar) = 'charts'
            THEN w.next ELSE j.charts_payload END,
        retirement_payload = CASE WHEN CAST(:slot AS varchar) = 'retirement'
            THEN w.next ELSE j.retirement_payload END,
        summary_payload = CASE WHEN CAST(:slot AS varchar) = 'summary'
            THEN w.next ELSE j.summary_payload END
    FROM sized AS w
    WHERE j.id = w.id
      AND w.status IN ('pending', 'running')
      AND w.stored IS DISTINCT FROM w.next
      AND w.total <= CAST(:max_bytes AS integer)
    RETURNING j.*
)
SELECT jsonb_build_object(
    'previous_status', w.status,
    'changed', EXISTS (SELECT FROM written),
    'same', w.stored IS NOT DISTINCT FROM w.next,
    'too_large', w.status IN ('pending', 'running') AND w.stored IS DISTINCT FROM w.next
        AND w.total > CAST(:max_bytes AS integer),
    'payloads_bytes', w.total,
    'job', coalesce(
        (SELECT to_jsonb(x) FROM written AS x),
        (SELECT to_jsonb(c) FROM current_job AS c)
    ) - ARRAY[
        'request_payload', 'report_payload', 'charts_payload', 'retirement_payload',
        'summary_payload'
    ]
)
FROM sized AS w
"""

# The job with every payload: up to JOB_PAYLOADS_BYTES, so in chunks (alex_chunks).
GET_JOB = """
SELECT c.digest, c.chunk
FROM jobs AS j
CROSS JOIN LATERAL alex_chunks(
    CAST(to_jsonb(j) AS text), CAST(:page_start AS integer), CAST(:page_rows AS integer)
) AS c
WHERE j.id = CAST(:job_id AS uuid) AND j.clerk_user_id = :clerk_user_id
"""

# Newest first, keyset-paged on (created_at, id); payloads stay out of a list. One job per
# row; a page of long error messages may pass 1 MiB, so the gateway reads it in pages.
LIST_JOBS = """
SELECT to_jsonb(j) - ARRAY[
    'request_payload', 'report_payload', 'charts_payload', 'retirement_payload',
    'summary_payload'
]
FROM jobs AS j
WHERE j.clerk_user_id = :clerk_user_id
  AND (CAST(:status AS varchar) IS NULL OR j.status = CAST(:status AS varchar))
  AND (CAST(:job_type AS varchar) IS NULL OR j.job_type = CAST(:job_type AS varchar))
  AND (CAST(:after_created_at AS timestamptz) IS NULL
       OR (j.created_at, j.id)
          < (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY j.created_at DESC, j.id DESC
-- the caller's page is rows 0 .. :limit (one more says another page follows); the gateway
-- reads them :page_rows at a time
OFFSET CAST(:page_start AS integer)
LIMIT greatest(0, least(
    CAST(:page_rows AS integer), CAST(:limit AS integer) + 1 - CAST(:page_start AS integer)
))
"""

PayloadSlot = Literal["report", "charts", "retirement", "summary"]


class JobRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def create(
        self,
        clerk_user_id: str,
        job_id: UUID,
        job_type: JobType,
        request_payload: dict[str, JsonValue],
    ) -> JobCreation | None:
        return self._db.document(
            CREATE_JOB,
            {
                "clerk_user_id": clerk_user_id,
                "job_id": job_id,
                "job_type": job_type,
                "request_payload": request_payload,
            },
            JobCreation,
        )

    def transition(
        self,
        clerk_user_id: str,
        job_id: UUID,
        from_status: JobStatus,
        to_status: JobStatus,
        error_message: str | None = None,
    ) -> JobChange | None:
        """Move the job from `from_status` to `to_status`; None if the user has no such job."""
        return self._db.document(
            TRANSITION_JOB,
            {
                "clerk_user_id": clerk_user_id,
                "job_id": job_id,
                "from_status": from_status,
                "to_status": to_status,
                "error_message": error_message,
            },
            JobChange,
        )

    def write_payload(
        self, clerk_user_id: str, job_id: UUID, slot: PayloadSlot, payload: object
    ) -> JobChange | None:
        """Replace (report, retirement) or merge into (charts, summary) one payload column."""
        return self._db.document(
            WRITE_JOB_PAYLOAD,
            {
                "clerk_user_id": clerk_user_id,
                "job_id": job_id,
                "slot": slot,
                "payload": payload,
                "max_bytes": JOB_PAYLOADS_BYTES,
            },
            JobChange,
        )

    def get(self, clerk_user_id: str, job_id: UUID) -> JobRecord | None:
        return self._db.chunked_document(
            GET_JOB, {"clerk_user_id": clerk_user_id, "job_id": job_id}, JobRecord
        )

    def list_page(
        self,
        clerk_user_id: str,
        limit: int,
        cursor: str | None,
        status: JobStatus | None,
        job_type: JobType | None,
    ) -> tuple[list[JobSummary], str | None]:
        """One page, newest first, and the cursor of the next (None on the last page)."""
        after_created_at, after_id = (
            time_and_id_after(cursor, "jobs") if cursor is not None else (None, None)
        )
        rows = self._db.paged_documents(
            LIST_JOBS,
            {
                "clerk_user_id": clerk_user_id,
                "status": status,
                "job_type": job_type,
                "after_created_at": after_created_at,
                "after_id": after_id,
                "limit": limit,
            },
            JobSummary,
        )
        if len(rows) <= limit:
            return rows, None
        page = rows[:limit]
        last = page[-1]
        return page, encode_cursor("jobs", last.created_at.isoformat(), str(last.id))
