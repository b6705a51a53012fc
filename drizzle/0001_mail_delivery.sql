ALTER TABLE `mail_outbox` ADD `recipient_name` text;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `ics` text;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `ics_method` text;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `message_id` text;--> statement-breakpoint
CREATE INDEX `mail_outbox_created_idx` ON `mail_outbox` (`created_at`);--> statement-breakpoint
ALTER TABLE `session_requests` ADD `reminder_sent_at` integer;