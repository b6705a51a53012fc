CREATE INDEX request_events_request_type_at_idx ON request_events (request_id, type, at);
