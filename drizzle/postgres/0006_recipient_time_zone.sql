-- The recipient's IANA time zone; null: none given (SQLite's 0005).
ALTER TABLE session_requests ADD COLUMN time_zone text;
