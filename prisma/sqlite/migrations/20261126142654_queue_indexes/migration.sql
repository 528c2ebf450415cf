-- DropIndex
DROP INDEX "Report_status_verdict_priority_createdAt_id_idx";

-- DropIndex
DROP INDEX "Report_status_category_priority_createdAt_id_idx";

-- DropIndex
DROP INDEX "Report_status_queue_priority_createdAt_id_idx";

-- DropIndex
DROP INDEX "Report_status_verdict_createdAt_id_idx";

-- DropIndex
DROP INDEX "Report_status_category_createdAt_id_idx";

-- CreateIndex
CREATE INDEX "Report_status_category_priority_createdAt_id_verdict_queue_idx" ON "Report"("status", "category", "priority" DESC, "createdAt", "id", "verdict", "queue");

-- CreateIndex
CREATE INDEX "Report_status_verdict_priority_createdAt_id_category_queue_idx" ON "Report"("status", "verdict", "priority" DESC, "createdAt", "id", "category", "queue");

-- CreateIndex
CREATE INDEX "Report_status_queue_priority_createdAt_id_category_verdict_idx" ON "Report"("status", "queue", "priority" DESC, "createdAt", "id", "category", "verdict");

-- CreateIndex
CREATE INDEX "Report_assigneeId_status_priority_createdAt_id_idx" ON "Report"("assigneeId", "status", "priority" DESC, "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_status_category_createdAt_id_verdict_queue_idx" ON "Report"("status", "category", "createdAt", "id", "verdict", "queue");

-- CreateIndex
CREATE INDEX "Report_status_verdict_createdAt_id_category_queue_idx" ON "Report"("status", "verdict", "createdAt", "id", "category", "queue");

-- CreateIndex
CREATE INDEX "Report_queue_createdAt_id_status_category_verdict_idx" ON "Report"("queue", "createdAt", "id", "status", "category", "verdict");
