-- Outbound webhooks: endpoints and their deliveries (SQLite's 0005).
CREATE TABLE webhook_endpoints (
	id text PRIMARY KEY NOT NULL,
	url text NOT NULL,
	description text NOT NULL,
	events text NOT NULL,
	secret text NOT NULL,
	previous_secret text,
	previous_secret_until bigint,
	enabled integer NOT NULL,
	disabled_reason text,
	disabled_at bigint,
	created_by text NOT NULL REFERENCES users(id),
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL
);

CREATE TABLE webhook_deliveries (
	id text PRIMARY KEY NOT NULL,
	endpoint_id text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
	message_id text NOT NULL,
	event_type text NOT NULL,
	request_id text REFERENCES session_requests(id) ON DELETE SET NULL,
	payload text NOT NULL,
	status text NOT NULL,
	attempts integer DEFAULT 0 NOT NULL,
	next_attempt_at bigint NOT NULL,
	last_attempt_at bigint,
	last_status_code integer,
	last_latency_ms integer,
	last_error text,
	created_at bigint NOT NULL,
	delivered_at bigint
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_request_idx ON webhook_deliveries (request_id);
