CREATE TABLE `floor_orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`out_order_id` text NOT NULL,
	`price` text NOT NULL,
	`slot` integer NOT NULL,
	`created_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `floor_orders_out` ON `floor_orders` (`out_order_id`);
