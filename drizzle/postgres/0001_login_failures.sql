-- Failed sign-ins per address and per account, shared by every instance (SQLite's 0003).
CREATE TABLE login_failures (
	scope text NOT NULL,
	key text NOT NULL,
	failures integer NOT NULL,
	last_at bigint NOT NULL,
	PRIMARY KEY (scope, key)
);
CREATE INDEX login_failures_last_idx ON login_failures (last_at);
