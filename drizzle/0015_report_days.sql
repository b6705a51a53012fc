CREATE TABLE `report_days` (
	`offset_minutes` integer NOT NULL,
	`day` integer NOT NULL,
	`start_ms` integer NOT NULL,
	`valid_until` integer,
	`groups` text NOT NULL,
	`durations` blob NOT NULL,
	PRIMARY KEY(`offset_minutes`, `day`)
);
--> statement-breakpoint
CREATE INDEX `report_days_start_idx` ON `report_days` (`start_ms`);