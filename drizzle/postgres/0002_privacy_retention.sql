-- Privacy: when a request's personal data was removed, and the indexes of the retention sweep and
-- of the search by email address (SQLite's 0004).
ALTER TABLE session_requests ADD COLUMN anonymized_at bigint;
CREATE INDEX session_requests_status_changed_idx ON session_requests (status, status_changed_at);
CREATE INDEX session_requests_email_idx ON session_requests (lower(recipient_email));
CREATE INDEX mail_outbox_recipient_idx ON mail_outbox (lower(recipient));
CREATE INDEX mail_outbox_request_idx ON mail_outbox (request_id);
