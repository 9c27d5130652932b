DROP INDEX `orders_merchant`;--> statement-breakpoint
ALTER TABLE `orders` ADD `shard` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `orders_merchant_created` ON `orders` (`merchant_id`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_status` ON `orders` (`merchant_id`,`status`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_type` ON `orders` (`merchant_id`,`type`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_mode` ON `orders` (`merchant_id`,`mode`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_channel` ON `orders` (`merchant_id`,`channel`,`created_ms`);--> statement-breakpoint
CREATE INDEX `orders_merchant_out` ON `orders` (`merchant_id`,`out_order_id`);--> statement-breakpoint
CREATE INDEX `orders_app_paid` ON `orders` (`app_id`,`paid_ms`) WHERE paid_ms IS NOT NULL;--> statement-breakpoint
DROP INDEX `payments_merchant`;--> statement-breakpoint
CREATE INDEX `payments_unmatched` ON `payments` (`merchant_id`) WHERE order_id IS NULL;--> statement-breakpoint
CREATE INDEX `payments_received` ON `payments` (`merchant_id`,`mode`,`received_ms`);--> statement-breakpoint
CREATE INDEX `payments_merchant` ON `payments` (`merchant_id`);--> statement-breakpoint
ALTER TABLE `merchants` ADD `collector_shards` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `shard` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `sessions_merchant` ON `sessions` (`merchant_id`);--> statement-breakpoint
CREATE INDEX `apps_merchant` ON `apps` (`merchant_id`);--> statement-breakpoint
CREATE INDEX `console_sessions_expiry` ON `console_sessions` (`expires_ms`);--> statement-breakpoint
CREATE INDEX `failed_attempts_window` ON `failed_attempts` (`window_start_ms`);--> statement-breakpoint
CREATE INDEX `rules_merchant` ON `rules` (`merchant_id`);--> statement-breakpoint
CREATE INDEX `sign_in_limits_window` ON `sign_in_limits` (`window_start_ms`);--> statement-breakpoint
CREATE INDEX `webhooks_app` ON `webhooks` (`app_id`);