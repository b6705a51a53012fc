CREATE TABLE `login_failures` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`failures` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX `login_failures_last_idx` ON `login_failures` (`last_at`);