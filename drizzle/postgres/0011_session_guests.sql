-- A second agent in a live session (SQLite's 0010): the colleagues the assigned agent invited.
CREATE TABLE session_guests (
	request_id text NOT NULL REFERENCES session_requests(id) ON DELETE CASCADE,
	user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	invited_by text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	invited_at bigint NOT NULL,
	removed_at bigint,
	PRIMARY KEY (request_id, user_id)
);
CREATE INDEX session_guests_user_idx ON session_guests (user_id);
