-- CreateTable
CREATE TABLE "DsaSubmission" (
    "puid" TEXT NOT NULL,
    "noticeId" INTEGER NOT NULL,
    "batchId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "tdbUuid" TEXT,
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DsaSubmission_pkey" PRIMARY KEY ("puid")
);

-- CreateTable
CREATE TABLE "DsaSubmissionBatch" (
    "id" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "statementCount" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "detail" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "DsaSubmissionBatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DsaSubmission_noticeId_key" ON "DsaSubmission"("noticeId");

-- CreateIndex
CREATE INDEX "DsaSubmission_batchId_idx" ON "DsaSubmission"("batchId");
