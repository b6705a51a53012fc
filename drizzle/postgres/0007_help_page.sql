-- Help pages (SQLite's 0005): a queue's public help page, and requests the end user made there,
-- which have no creating agent (created_by null) and say where they came from (source).
ALTER TABLE queues ADD COLUMN help_enabled integer DEFAULT 0 NOT NULL;
ALTER TABLE queues ADD COLUMN help_slug text;
ALTER TABLE queues ADD COLUMN help_message text DEFAULT '' NOT NULL;
ALTER TABLE queues ADD COLUMN help_hours text;
CREATE UNIQUE INDEX queues_help_slug_unique ON queues (help_slug);
ALTER TABLE session_requests ALTER COLUMN created_by DROP NOT NULL;
ALTER TABLE session_requests ADD COLUMN source text DEFAULT 'agent' NOT NULL;
