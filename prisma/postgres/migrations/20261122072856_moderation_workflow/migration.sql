-- DropIndex
DROP INDEX "Report_accusedId_idx";

-- DropIndex
DROP INDEX "Report_status_createdAt_idx";

-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "assigneeId" TEXT,
ADD COLUMN     "claimedAt" TIMESTAMP(3),
ADD COLUMN     "decidedAt" TIMESTAMP(3),
ADD COLUMN     "decidedBy" TEXT,
ADD COLUMN     "eventCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Moderator" (
    "id" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "failedLogins" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3),
    "lastLoginAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Moderator_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModeratorSession" (
    "tokenHash" TEXT NOT NULL,
    "moderatorId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModeratorSession_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "Notice" (
    "id" SERIAL NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reasonCategory" TEXT NOT NULL,
    "reportId" TEXT,
    "outcome" TEXT,
    "until" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ModeratorSession_moderatorId_idx" ON "ModeratorSession"("moderatorId");

-- CreateIndex
CREATE INDEX "ModeratorSession_expiresAt_idx" ON "ModeratorSession"("expiresAt");

-- CreateIndex
CREATE INDEX "Notice_accountId_id_idx" ON "Notice"("accountId", "id");

-- CreateIndex
CREATE INDEX "ModerationEvent_actorId_id_idx" ON "ModerationEvent"("actorId", "id");

-- CreateIndex
CREATE INDEX "Report_accusedId_createdAt_idx" ON "Report"("accusedId", "createdAt");

-- CreateIndex
CREATE INDEX "Report_status_createdAt_id_idx" ON "Report"("status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_status_category_createdAt_id_idx" ON "Report"("status", "category", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_status_verdict_createdAt_id_idx" ON "Report"("status", "verdict", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_assigneeId_status_createdAt_id_idx" ON "Report"("assigneeId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_createdAt_idx" ON "Report"("createdAt");

-- CreateIndex
CREATE INDEX "Report_decidedAt_idx" ON "Report"("decidedAt");

-- AddForeignKey
ALTER TABLE "ModeratorSession" ADD CONSTRAINT "ModeratorSession_moderatorId_fkey" FOREIGN KEY ("moderatorId") REFERENCES "Moderator"("id") ON DELETE CASCADE ON UPDATE CASCADE;
