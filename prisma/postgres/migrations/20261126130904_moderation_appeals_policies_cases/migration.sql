-- AlterTable
ALTER TABLE "Notice" ADD COLUMN     "appealResult" TEXT,
ADD COLUMN     "statement" TEXT;

-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "automated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "caseId" TEXT,
ADD COLUMN     "contentPurgedAt" TIMESTAMP(3),
ADD COLUMN     "decisionAction" TEXT,
ADD COLUMN     "firstActionAt" TIMESTAMP(3),
ADD COLUMN     "handlingMs" BIGINT,
ADD COLUMN     "policyId" TEXT,
ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 50,
ADD COLUMN     "queue" TEXT NOT NULL DEFAULT 'general';

-- CreateTable
CREATE TABLE "ModerationPolicy" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "defaultAction" TEXT NOT NULL,
    "defaultSuspendHours" INTEGER,
    "dsaCategory" TEXT NOT NULL,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ModerationPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatementTemplate" (
    "action" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "updatedBy" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StatementTemplate_pkey" PRIMARY KEY ("action")
);

-- CreateTable
CREATE TABLE "RoutingRule" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "conditions" TEXT NOT NULL,
    "queue" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoutingRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModerationCase" (
    "id" TEXT NOT NULL,
    "accusedId" TEXT NOT NULL,
    "openFor" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "queue" TEXT NOT NULL DEFAULT 'general',
    "priority" INTEGER NOT NULL DEFAULT 50,
    "brigade" BOOLEAN NOT NULL DEFAULT false,
    "reportCount" INTEGER NOT NULL DEFAULT 0,
    "openReports" INTEGER NOT NULL DEFAULT 0,
    "legalHold" BOOLEAN NOT NULL DEFAULT false,
    "closedAt" TIMESTAMP(3),
    "purgeAfter" TIMESTAMP(3),
    "purgedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ModerationCase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Appeal" (
    "id" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "appellantId" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "originalAction" TEXT NOT NULL,
    "originalDeciderId" TEXT NOT NULL,
    "assigneeId" TEXT,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Appeal_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "Report_status_queue_priority_createdAt_id_idx" ON "Report"("status", "queue", "priority" DESC, "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_status_priority_createdAt_id_idx" ON "Report"("status", "priority" DESC, "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_caseId_createdAt_id_idx" ON "Report"("caseId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_reporterId_outcome_idx" ON "Report"("reporterId", "outcome");

-- CreateIndex
CREATE INDEX "Report_status_category_priority_createdAt_id_idx" ON "Report"("status", "category", "priority" DESC, "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_status_verdict_priority_createdAt_id_idx" ON "Report"("status", "verdict", "priority" DESC, "createdAt", "id");

-- CreateIndex
CREATE INDEX "Report_createdAt_category_verdict_idx" ON "Report"("createdAt", "category", "verdict");

-- CreateIndex
CREATE INDEX "Report_decidedAt_category_decisionAction_automated_handling_idx" ON "Report"("decidedAt", "category", "decisionAction", "automated", "handlingMs");
