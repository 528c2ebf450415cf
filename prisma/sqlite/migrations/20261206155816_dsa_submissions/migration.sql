-- CreateTable
CREATE TABLE "DsaSubmission" (
    "puid" TEXT NOT NULL PRIMARY KEY,
    "noticeId" INTEGER NOT NULL,
    "batchId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "tdbUuid" TEXT,
    "submittedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "DsaSubmissionBatch" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "endpoint" TEXT NOT NULL,
    "statementCount" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "detail" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "DsaSubmission_noticeId_key" ON "DsaSubmission"("noticeId");

-- CreateIndex
CREATE INDEX "DsaSubmission_batchId_idx" ON "DsaSubmission"("batchId");
