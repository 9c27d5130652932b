CREATE TABLE `apps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` integer NOT NULL,
	`name` text NOT NULL,
	`appkey` text NOT NULL,
	`secret_enc` text NOT NULL,
	`mode` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`pay_types` text NOT NULL,
	`notify_url` text,
	`return_url` text,
	`timeout_url` text,
	`sandbox_notify_url` text,
	`backup_notify_url` text,
	`order_ttl_seconds` integer DEFAULT 600 NOT NULL,
	`allow_url_override` integer DEFAULT false NOT NULL,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `apps_appkey_unique` ON `apps` (`appkey`);--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`timezone` text DEFAULT 'Asia/Shanghai' NOT NULL,
	`rotation` text DEFAULT 'smart_random' NOT NULL,
	`max_offset_fen` integer DEFAULT 10 NOT NULL,
	`offset_direction` text DEFAULT 'down' NOT NULL,
	`default_rule_id` integer,
	`config_version` integer DEFAULT 0 NOT NULL,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` integer NOT NULL,
	`app_id` integer NOT NULL,
	`mode` text NOT NULL,
	`out_order_id` text NOT NULL,
	`type` text NOT NULL,
	`price_fen` integer NOT NULL,
	`realprice_fen` integer NOT NULL,
	`custom` text NOT NULL,
	`product_id` text NOT NULL,
	`session_id` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`pay_token` text NOT NULL,
	`notify_url` text,
	`return_url` text,
	`timeout_url` text,
	`qr_payload` text NOT NULL,
	`payment_id` text,
	`created_ms` integer NOT NULL,
	`expires_ms` integer NOT NULL,
	`paid_ms` integer,
	`closed_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_pay_token_unique` ON `orders` (`pay_token`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_app_out` ON `orders` (`app_id`,`out_order_id`);--> statement-breakpoint
CREATE INDEX `orders_merchant` ON `orders` (`merchant_id`,`id`);--> statement-breakpoint
CREATE INDEX `orders_pending_expiry` ON `orders` (`status`,`expires_ms`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` integer NOT NULL,
	`mode` text NOT NULL,
	`session_id` integer NOT NULL,
	`type` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`paid_ms` integer NOT NULL,
	`ref` text,
	`payer` text,
	`order_id` integer,
	`matched_by` text,
	`received_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payments_merchant` ON `payments` (`merchant_id`,`order_id`,`id`);--> statement-breakpoint
CREATE TABLE `rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` integer NOT NULL,
	`name` text NOT NULL,
	`start_minute` integer DEFAULT 0 NOT NULL,
	`end_minute` integer DEFAULT 0 NOT NULL,
	`timezone` text,
	`min_fen` integer,
	`max_fen` integer,
	`regions` text NOT NULL,
	`daily_cap_fen` integer,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` integer NOT NULL,
	`mode` text NOT NULL,
	`type` text NOT NULL,
	`label` text NOT NULL,
	`qr_payload` text NOT NULL,
	`amount_qr` text NOT NULL,
	`secret_enc` text NOT NULL,
	`rule_id` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
