CREATE TABLE `books` (
	`merchant_id` integer PRIMARY KEY NOT NULL,
	`points` integer DEFAULT 0 NOT NULL,
	`quota_month` text,
	`quota_used` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `merchants` ADD `store` text DEFAULT 'DB' NOT NULL;--> statement-breakpoint
-- Every merchant's balance and quota count move beside its ledger (all on DB, the first store).
INSERT INTO `books` (`merchant_id`, `points`, `quota_month`, `quota_used`)
  SELECT `id`, `points`, `quota_month`, `quota_used` FROM `merchants`;
