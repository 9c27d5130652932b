CREATE TABLE `failed_attempts` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`window_start_ms` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `orders` ADD `facade` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `facade_fields` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `vmq_host` text;--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_vmq_host_unique` ON `sessions` (`vmq_host`);--> statement-breakpoint
-- Hand-added: sessions made before this migration get their V免签 host label too.
UPDATE `sessions` SET `vmq_host` = lower(hex(randomblob(6))) WHERE `vmq_host` IS NULL;