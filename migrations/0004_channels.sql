CREATE TABLE `channel_configs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` integer NOT NULL,
	`channel` text NOT NULL,
	`account` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`methods` text NOT NULL,
	`settings` text NOT NULL,
	`secrets_enc` text NOT NULL,
	`implicit` integer DEFAULT false NOT NULL,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channel_configs_app` ON `channel_configs` (`app_id`,`channel`);--> statement-breakpoint
CREATE INDEX `channel_configs_account` ON `channel_configs` (`channel`,`account`);--> statement-breakpoint
CREATE TABLE `channel_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`config_id` integer,
	`order_id` integer,
	`refund_id` integer,
	`kind` text NOT NULL,
	`api` text NOT NULL,
	`started_ms` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`request` text NOT NULL,
	`status` integer,
	`response` text,
	`outcome` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `channel_log_order` ON `channel_log` (`order_id`);--> statement-breakpoint
CREATE INDEX `channel_log_config` ON `channel_log` (`config_id`,`id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` integer NOT NULL,
	`app_id` integer NOT NULL,
	`order_id` integer NOT NULL,
	`mode` text NOT NULL,
	`out_refund_no` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`reason` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`provider_request_no` text NOT NULL,
	`msg` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_query_ms` integer,
	`created_ms` integer NOT NULL,
	`finished_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_provider_request_no_unique` ON `refunds` (`provider_request_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_app_out` ON `refunds` (`app_id`,`out_refund_no`);--> statement-breakpoint
CREATE INDEX `refunds_order` ON `refunds` (`order_id`,`status`);--> statement-breakpoint
CREATE INDEX `refunds_next_query` ON `refunds` (`next_query_ms`);--> statement-breakpoint
CREATE TABLE `sim_keys` (
	`channel` text PRIMARY KEY NOT NULL,
	`private_enc` text NOT NULL,
	`public_key` text NOT NULL,
	`created_ms` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sim_refunds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`trade_id` integer NOT NULL,
	`out_request_no` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`created_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sim_refunds_request` ON `sim_refunds` (`trade_id`,`out_request_no`);--> statement-breakpoint
CREATE TABLE `sim_trades` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel` text NOT NULL,
	`account` text NOT NULL,
	`out_trade_no` text NOT NULL,
	`trade_no` text NOT NULL,
	`token` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`subject` text NOT NULL,
	`api` text NOT NULL,
	`status` text NOT NULL,
	`notify_url` text,
	`return_url` text,
	`quit_url` text,
	`origin` text NOT NULL,
	`expires_ms` integer,
	`refunded_fen` integer DEFAULT 0 NOT NULL,
	`created_ms` integer NOT NULL,
	`paid_ms` integer,
	`closed_ms` integer,
	`notify_state` text DEFAULT 'none' NOT NULL,
	`notify_attempts` integer DEFAULT 0 NOT NULL,
	`next_notify_ms` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sim_trades_trade_no_unique` ON `sim_trades` (`trade_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `sim_trades_token_unique` ON `sim_trades` (`token`);--> statement-breakpoint
CREATE UNIQUE INDEX `sim_trades_out` ON `sim_trades` (`channel`,`account`,`out_trade_no`);--> statement-breakpoint
CREATE INDEX `sim_trades_notify` ON `sim_trades` (`next_notify_ms`);--> statement-breakpoint
ALTER TABLE `apps` ADD `routing` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `channel` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `method` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `channel_config_id` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `provider_trade_no` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `provider_txn_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `pay_info` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `subject` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `client_ip` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `openid` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `next_query_ms` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `query_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `refunded_fen` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_provider_trade` ON `orders` (`provider_trade_no`);--> statement-breakpoint
CREATE INDEX `orders_next_query` ON `orders` (`next_query_ms`);--> statement-breakpoint
ALTER TABLE `payments` ADD `channel` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `channel_config_id` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `note` text;