-- Hand-corrected after drizzle-kit: the copy leaves out `source` (new here, its default fills it)
-- and the index on lower(recipient_email) is an expression, not a quoted column.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_session_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`recipient_name` text NOT NULL,
	`recipient_email` text,
	`send_email` integer NOT NULL,
	`email_language` text NOT NULL,
	`comments` text NOT NULL,
	`scheduled_at` integer,
	`time_zone` text,
	`expires_at` integer NOT NULL,
	`assignment_kind` text NOT NULL,
	`assignee_id` text,
	`queue_id` text,
	`status` text NOT NULL,
	`closed_reason` text,
	`connect_requested` integer DEFAULT false NOT NULL,
	`link_version` integer DEFAULT 1 NOT NULL,
	`end_user_seen_at` integer,
	`reminder_sent_at` integer,
	`created_by` text,
	`source` text DEFAULT 'agent' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`status_changed_at` integer NOT NULL,
	`version` integer NOT NULL,
	`anonymized_at` integer,
	FOREIGN KEY (`assignee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`queue_id`) REFERENCES `queues`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_session_requests`("id", "recipient_name", "recipient_email", "send_email", "email_language", "comments", "scheduled_at", "time_zone", "expires_at", "assignment_kind", "assignee_id", "queue_id", "status", "closed_reason", "connect_requested", "link_version", "end_user_seen_at", "reminder_sent_at", "created_by", "created_at", "updated_at", "status_changed_at", "version", "anonymized_at") SELECT "id", "recipient_name", "recipient_email", "send_email", "email_language", "comments", "scheduled_at", "time_zone", "expires_at", "assignment_kind", "assignee_id", "queue_id", "status", "closed_reason", "connect_requested", "link_version", "end_user_seen_at", "reminder_sent_at", "created_by", "created_at", "updated_at", "status_changed_at", "version", "anonymized_at" FROM `session_requests`;--> statement-breakpoint
DROP TABLE `session_requests`;--> statement-breakpoint
ALTER TABLE `__new_session_requests` RENAME TO `session_requests`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `session_requests_version_idx` ON `session_requests` (`version`);--> statement-breakpoint
CREATE INDEX `session_requests_status_expires_idx` ON `session_requests` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `session_requests_assignee_idx` ON `session_requests` (`assignee_id`);--> statement-breakpoint
CREATE INDEX `session_requests_queue_idx` ON `session_requests` (`queue_id`);--> statement-breakpoint
CREATE INDEX `session_requests_created_idx` ON `session_requests` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `session_requests_scheduled_idx` ON `session_requests` (`scheduled_at`);--> statement-breakpoint
CREATE INDEX `session_requests_status_changed_idx` ON `session_requests` (`status`,`status_changed_at`);--> statement-breakpoint
CREATE INDEX `session_requests_email_idx` ON `session_requests` (lower("recipient_email"));--> statement-breakpoint
ALTER TABLE `queues` ADD `help_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `queues` ADD `help_slug` text;--> statement-breakpoint
ALTER TABLE `queues` ADD `help_message` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `queues` ADD `help_hours` text;--> statement-breakpoint
CREATE UNIQUE INDEX `queues_help_slug_unique` ON `queues` (`help_slug`);