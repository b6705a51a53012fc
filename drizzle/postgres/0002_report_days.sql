CREATE TABLE "report_days" (
	"offset_minutes" bigint NOT NULL,
	"day" bigint NOT NULL,
	"start_ms" bigint NOT NULL,
	"valid_until" bigint,
	"groups" text NOT NULL,
	"durations" "bytea" NOT NULL,
	CONSTRAINT "report_days_pkey" PRIMARY KEY("offset_minutes","day")
);
--> statement-breakpoint
CREATE INDEX "report_days_start_idx" ON "report_days" USING btree ("start_ms");