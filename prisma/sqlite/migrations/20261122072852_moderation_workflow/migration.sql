-- CreateTable
CREATE TABLE "Moderator" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "failedLogins" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" DATETIME,
    "lastLoginAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ModeratorSession" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "moderatorId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ModeratorSession_moderatorId_fkey" FOREIGN KEY ("moderatorId") REFERENCES "Moderator" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Notice" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "accountId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reasonCategory" TEXT NOT NULL,
    "reportId" TEXT,
    "outcome" TEXT,
    "until" DATETIME,
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
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Report" ("accusedId", "category", "comment", "contextSummary", "conversationId", "createdAt", "id", "messageId", "outcome", "reporterId", "status", "updatedAt", "verdict") SELECT "accusedId", "category", "comment", "contextSummary", "conversationId", "createdAt", "id", "messageId", "outcome", "reporterId", "status", "updatedAt", "verdict" FROM "Report";
DROP TABLE "Report";
ALTER TABLE "new_Report" RENAME TO "Report";
CREATE INDEX "Report_accusedId_createdAt_idx" ON "Report"("accusedId", "createdAt");
CREATE INDEX "Report_status_createdAt_id_idx" ON "Report"("status", "createdAt", "id");
CREATE INDEX "Report_status_category_createdAt_id_idx" ON "Report"("status", "category", "createdAt", "id");
CREATE INDEX "Report_status_verdict_createdAt_id_idx" ON "Report"("status", "verdict", "createdAt", "id");
CREATE INDEX "Report_assigneeId_status_createdAt_id_idx" ON "Report"("assigneeId", "status", "createdAt", "id");
CREATE INDEX "Report_createdAt_idx" ON "Report"("createdAt");
CREATE INDEX "Report_decidedAt_idx" ON "Report"("decidedAt");
CREATE UNIQUE INDEX "Report_reporterId_messageId_key" ON "Report"("reporterId", "messageId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ModeratorSession_moderatorId_idx" ON "ModeratorSession"("moderatorId");

-- CreateIndex
CREATE INDEX "ModeratorSession_expiresAt_idx" ON "ModeratorSession"("expiresAt");

-- CreateIndex
CREATE INDEX "Notice_accountId_id_idx" ON "Notice"("accountId", "id");

-- CreateIndex
CREATE INDEX "ModerationEvent_actorId_id_idx" ON "ModerationEvent"("actorId", "id");
