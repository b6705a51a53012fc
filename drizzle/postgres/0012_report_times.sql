-- The report's facts on the request row (SQLite's 0014), backfilled from the timelines before
-- the covering index is built: what writeRows writes from now on.
ALTER TABLE session_requests ADD COLUMN first_opened_at bigint;
ALTER TABLE session_requests ADD COLUMN session_started_at bigint;
ALTER TABLE session_requests ADD COLUMN session_ended_at bigint;
UPDATE session_requests SET
	first_opened_at = (SELECT min(e.at) FROM request_events e
		WHERE e.request_id = session_requests.id AND e.type = 'link_opened'),
	session_started_at = (SELECT min(e.at) FROM request_events e
		WHERE e.request_id = session_requests.id AND e.type = 'session_started');
UPDATE session_requests SET session_ended_at = (SELECT min(e.at) FROM request_events e
		WHERE e.request_id = session_requests.id AND e.type IN ('session_ended', 'closed')
		AND e.at >= session_requests.session_started_at)
	WHERE session_started_at IS NOT NULL;
CREATE INDEX session_requests_report_idx ON session_requests (created_at, assignment_kind,
	assignee_id, queue_id, status, closed_reason, expires_at, first_opened_at, session_started_at,
	session_ended_at);
