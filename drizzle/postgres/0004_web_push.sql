-- Web Push: the agents' subscribed devices, the pushes waiting to go, and each user's choice of
-- alerts (SQLite's 0005).
CREATE TABLE push_subscriptions (
	id text PRIMARY KEY NOT NULL,
	user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	endpoint text NOT NULL,
	p256dh text NOT NULL,
	auth text NOT NULL,
	label text,
	created_at bigint NOT NULL,
	last_success_at bigint
);
CREATE UNIQUE INDEX push_subscriptions_endpoint_unique ON push_subscriptions (endpoint);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);

CREATE TABLE push_outbox (
	id text PRIMARY KEY NOT NULL,
	subscription_id text NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
	request_id text REFERENCES session_requests(id) ON DELETE CASCADE,
	tag text NOT NULL,
	payload text NOT NULL,
	status text NOT NULL,
	attempts integer DEFAULT 0 NOT NULL,
	next_attempt_at bigint NOT NULL,
	last_error text,
	created_at bigint NOT NULL
);
CREATE INDEX push_outbox_due_idx ON push_outbox (status, next_attempt_at);
CREATE INDEX push_outbox_subscription_idx ON push_outbox (subscription_id);
CREATE INDEX push_outbox_request_idx ON push_outbox (request_id);

CREATE TABLE notification_settings (
	user_id text PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	events text NOT NULL,
	sound integer DEFAULT 0 NOT NULL,
	updated_at bigint NOT NULL
);
