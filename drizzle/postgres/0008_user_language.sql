-- The app's language per user (SQLite's 0010): null follows the browser, then the org's default.
ALTER TABLE users ADD COLUMN language text;
