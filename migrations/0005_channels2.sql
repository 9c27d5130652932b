ALTER TABLE `sim_keys` ADD `material` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `sim_refunds` ADD `extra` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `sim_trades` ADD `extra` text DEFAULT '{}' NOT NULL;