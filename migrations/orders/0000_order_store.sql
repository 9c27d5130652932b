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
CREATE TABLE `books` (
	`merchant_id` integer PRIMARY KEY NOT NULL,
	`points` integer DEFAULT 0 NOT NULL,
	`quota_month` text,
	`quota_used` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
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
	`shard` integer DEFAULT 0 NOT NULL,
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
	`closed_ms` integer,
	`channel` text,
	`method` text,
	`channel_config_id` integer,
	`provider_trade_no` text,
	`provider_txn_id` text,
	`pay_info` text,
	`subject` text,
	`client_ip` text,
	`openid` text,
	`next_query_ms` integer,
	`query_attempts` integer DEFAULT 0 NOT NULL,
	`refunded_fen` integer DEFAULT 0 NOT NULL,
	`facade` text,
	`facade_fields` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_pay_token_unique` ON `orders` (`pay_token`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_app_out` ON `orders` (`app_id`,`out_order_id`);--> statement-breakpoint
CREATE INDEX `orders_pending_expiry` ON `orders` (`status`,`expires_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_created` ON `orders` (`merchant_id`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_status` ON `orders` (`merchant_id`,`status`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_type` ON `orders` (`merchant_id`,`type`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_mode` ON `orders` (`merchant_id`,`mode`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_channel` ON `orders` (`merchant_id`,`channel`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_out` ON `orders` (`merchant_id`,`out_order_id`);--> statement-breakpoint
CREATE INDEX `orders_app_paid` ON `orders` (`app_id`,`paid_ms`) WHERE paid_ms IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_provider_trade` ON `orders` (`provider_trade_no`);--> statement-breakpoint
CREATE INDEX `orders_next_query` ON `orders` (`next_query_ms`);--> statement-breakpoint
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
	`received_ms` integer NOT NULL,
	`channel` text,
	`channel_config_id` integer,
	`note` text
);
--> statement-breakpoint
CREATE INDEX `payments_merchant` ON `payments` (`merchant_id`);--> statement-breakpoint
CREATE INDEX `payments_unmatched` ON `payments` (`merchant_id`) WHERE order_id IS NULL;--> statement-breakpoint
CREATE INDEX `payments_received` ON `payments` (`merchant_id`,`mode`,`received_ms`);--> statement-breakpoint
CREATE TABLE `points_ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`merchant_id` integer NOT NULL,
	`delta` integer NOT NULL,
	`reason` text NOT NULL,
	`reference` text,
	`note` text,
	`balance_after` integer NOT NULL,
	`created_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `points_ledger_merchant` ON `points_ledger` (`merchant_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `points_ledger_charge` ON `points_ledger` (`reason`,`reference`) WHERE reason IN ('onboarding', 'order_fee', 'refund_of_fee');--> statement-breakpoint
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
CREATE INDEX `refunds_next_query` ON `refunds` (`next_query_ms`);