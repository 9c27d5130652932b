ALTER TABLE `merchants` DROP COLUMN `points`;--> statement-breakpoint
ALTER TABLE `merchants` DROP COLUMN `quota_month`;--> statement-breakpoint
ALTER TABLE `merchants` DROP COLUMN `quota_used`;