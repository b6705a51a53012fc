ALTER TABLE `session_requests` ADD `first_opened_at` integer;--> statement-breakpoint
ALTER TABLE `session_requests` ADD `session_started_at` integer;--> statement-breakpoint
ALTER TABLE `session_requests` ADD `session_ended_at` integer;--> statement-breakpoint
-- Backfill from the timelines (each a seek in request_events_request_type_at_idx), before the
-- index is built: what writeRows writes from now on.
UPDATE `session_requests` SET
	`first_opened_at` = (SELECT min(e.`at`) FROM `request_events` e
		WHERE e.`request_id` = `session_requests`.`id` AND e.`type` = 'link_opened'),
	`session_started_at` = (SELECT min(e.`at`) FROM `request_events` e
		WHERE e.`request_id` = `session_requests`.`id` AND e.`type` = 'session_started');--> statement-breakpoint
UPDATE `session_requests` SET `session_ended_at` = (SELECT min(e.`at`) FROM `request_events` e
		WHERE e.`request_id` = `session_requests`.`id` AND e.`type` IN ('session_ended', 'closed')
		AND e.`at` >= `session_requests`.`session_started_at`)
	WHERE `session_started_at` IS NOT NULL;--> statement-breakpoint
CREATE INDEX `session_requests_report_idx` ON `session_requests` (`created_at`,`assignment_kind`,`assignee_id`,`queue_id`,`status`,`closed_reason`,`expires_at`,`first_opened_at`,`session_started_at`,`session_ended_at`);
