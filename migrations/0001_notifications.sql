CREATE TABLE `delivery_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` integer NOT NULL,
	`attempt` integer NOT NULL,
	`manual` integer DEFAULT false NOT NULL,
	`started_ms` integer NOT NULL,
	`url` text NOT NULL,
	`request_body` text NOT NULL,
	`status` integer,
	`response` text,
	`duration_ms` integer NOT NULL,
	`error` text,
	`ok` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attempts_delivery` ON `delivery_attempts` (`delivery_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`kind` text NOT NULL,
	`merchant_id` integer NOT NULL,
	`app_id` integer NOT NULL,
	`order_id` integer,
	`payment_id` text,
	`webhook_id` integer,
	`event_id` text,
	`event_type` text NOT NULL,
	`url` text NOT NULL,
	`backup_url` text,
	`allow_internal` integer NOT NULL,
	`body` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_ms` integer NOT NULL,
	`created_ms` integer NOT NULL,
	`delivered_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_dedupe_key_unique` ON `deliveries` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `deliveries_order` ON `deliveries` (`order_id`);--> statement-breakpoint
CREATE INDEX `deliveries_due` ON `deliveries` (`status`,`next_attempt_ms`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` integer NOT NULL,
	`url` text NOT NULL,
	`headers` text NOT NULL,
	`mode` text NOT NULL,
	`events` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
