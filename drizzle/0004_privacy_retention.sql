ALTER TABLE `session_requests` ADD `anonymized_at` integer;--> statement-breakpoint
CREATE INDEX `session_requests_status_changed_idx` ON `session_requests` (`status`,`status_changed_at`);--> statement-breakpoint
CREATE INDEX `session_requests_email_idx` ON `session_requests` (lower("recipient_email"));--> statement-breakpoint
CREATE INDEX `mail_outbox_recipient_idx` ON `mail_outbox` (lower("recipient"));--> statement-breakpoint
CREATE INDEX `mail_outbox_request_idx` ON `mail_outbox` (`request_id`);