-- AlterTable
ALTER TABLE "Notice" ADD COLUMN "appealResult" TEXT;
ALTER TABLE "Notice" ADD COLUMN "statement" TEXT;

-- CreateTable
CREATE TABLE "ModerationPolicy" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "defaultAction" TEXT NOT NULL,
    "defaultSuspendHours" INTEGER,
    "dsaCategory" TEXT NOT NULL,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "StatementTemplate" (
    "action" TEXT NOT NULL PRIMARY KEY,
    "body" TEXT NOT NULL,
    "updatedBy" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RoutingRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "conditions" TEXT NOT NULL,
    "queue" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ModerationCase" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accusedId" TEXT NOT NULL,
    "openFor" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "queue" TEXT NOT NULL DEFAULT 'general',
    "priority" INTEGER NOT NULL DEFAULT 50,
    "brigade" BOOLEAN NOT NULL DEFAULT false,
    "reportCount" INTEGER NOT NULL DEFAULT 0,
    "openReports" INTEGER NOT NULL DEFAULT 0,
    "legalHold" BOOLEAN NOT NULL DEFAULT false,
    "closedAt" DATETIME,
    "purgeAfter" DATETIME,
    "purgedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Appeal" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reportId" TEXT NOT NULL,
    "appellantId" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "originalAction" TEXT NOT NULL,
    "originalDeciderId" TEXT NOT NULL,
    "assigneeId" TEXT,
    "decidedBy" TEXT,
    "decidedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Report" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reporterId" TEXT NOT NULL,
    "accusedId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "comment" TEXT,
    "status" TEXT NOT NULL DEFAULT 'received',
    "outcome" TEXT,
    "assigneeId" TEXT,
    "claimedAt" DATETIME,
    "decidedAt" DATETIME,
    "decidedBy" TEXT,
    "eventCount" INTEGER NOT NULL DEFAULT 0,
    "verdict" TEXT NOT NULL,
    "contextSummary" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "caseId" TEXT,
    "queue" TEXT NOT NULL DEFAULT 'general',
    "priority" INTEGER NOT NULL DEFAULT 50,
    "policyId" TEXT,
    "decisionAction" TEXT,
    "automated" BOOLEAN NOT NULL DEFAULT false,
    "firstActionAt" DATETIME,
    "handlingMs" BIGINT,
    "contentPurgedAt" DATETIME
);
INSERT INTO "new_Report" ("accusedId", "assigneeId", "category", "claimedAt", "comment", "contextSummary", "conversationId", "createdAt", "decidedAt", "decidedBy", "eventCount", "id", "messageId", "outcome", "reporterId", "status", "updatedAt", "verdict") SELECT "accusedId", "assigneeId", "category", "claimedAt", "comment", "contextSummary", "conversationId", "createdAt", "decidedAt", "decidedBy", "eventCount", "id", "messageId", "outcome", "reporterId", "status", "updatedAt", "verdict" FROM "Report";
DROP TABLE "Report";
ALTER TABLE "new_Report" RENAME TO "Report";
CREATE INDEX "Report_accusedId_createdAt_idx" ON "Report"("accusedId", "createdAt");
CREATE INDEX "Report_status_createdAt_id_idx" ON "Report"("status", "createdAt", "id");
CREATE INDEX "Report_status_category_createdAt_id_idx" ON "Report"("status", "category", "createdAt", "id");
CREATE INDEX "Report_status_verdict_createdAt_id_idx" ON "Report"("status", "verdict", "createdAt", "id");
CREATE INDEX "Report_assigneeId_status_createdAt_id_idx" ON "Report"("assigneeId", "status", "createdAt", "id");
CREATE INDEX "Report_createdAt_idx" ON "Report"("createdAt");
CREATE INDEX "Report_decidedAt_idx" ON "Report"("decidedAt");
CREATE INDEX "Report_status_queue_priority_createdAt_id_idx" ON "Report"("status", "queue", "priority" DESC, "createdAt", "id");
CREATE INDEX "Report_status_priority_createdAt_id_idx" ON "Report"("status", "priority" DESC, "createdAt", "id");
CREATE INDEX "Report_caseId_createdAt_id_idx" ON "Report"("caseId", "createdAt", "id");
CREATE INDEX "Report_reporterId_outcome_idx" ON "Report"("reporterId", "outcome");
CREATE INDEX "Report_status_category_priority_createdAt_id_idx" ON "Report"("status", "category", "priority" DESC, "createdAt", "id");
CREATE INDEX "Report_status_verdict_priority_createdAt_id_idx" ON "Report"("status", "verdict", "priority" DESC, "createdAt", "id");
CREATE INDEX "Report_createdAt_category_verdict_idx" ON "Report"("createdAt", "category", "verdict");
CREATE INDEX "Report_decidedAt_category_decisionAction_automated_handlingMs_idx" ON "Report"("decidedAt", "category", "decisionAction", "automated", "handlingMs");
CREATE UNIQUE INDEX "Report_reporterId_messageId_key" ON "Report"("reporterId", "messageId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RoutingRule_position_idx" ON "RoutingRule"("position");

-- CreateIndex
CREATE UNIQUE INDEX "ModerationCase_openFor_key" ON "ModerationCase"("openFor");

-- CreateIndex
CREATE INDEX "ModerationCase_accusedId_status_idx" ON "ModerationCase"("accusedId", "status");

-- CreateIndex
CREATE INDEX "ModerationCase_status_priority_createdAt_idx" ON "ModerationCase"("status", "priority", "createdAt");

-- CreateIndex
CREATE INDEX "ModerationCase_purgeAfter_idx" ON "ModerationCase"("purgeAfter");

-- CreateIndex
CREATE UNIQUE INDEX "Appeal_reportId_key" ON "Appeal"("reportId");

-- CreateIndex
CREATE INDEX "Appeal_status_createdAt_idx" ON "Appeal"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Appeal_decidedAt_idx" ON "Appeal"("decidedAt");
