-- AlterTable
ALTER TABLE "ConversationMember" ADD COLUMN     "role" TEXT NOT NULL DEFAULT 'member';

-- CreateTable
CREATE TABLE "Blob" (
    "id" TEXT NOT NULL,
    "uploaderId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Blob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BlobRecipient" (
    "blobId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "fetchedAt" TIMESTAMP(3),

    CONSTRAINT "BlobRecipient_pkey" PRIMARY KEY ("blobId","accountId")
);

-- CreateTable
CREATE TABLE "ReportAttachment" (
    "reportId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "blobId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "failure" TEXT,
    "mediaType" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "verifiedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReportAttachment_pkey" PRIMARY KEY ("reportId","position","index")
);

-- CreateIndex
CREATE INDEX "Blob_uploaderId_idx" ON "Blob"("uploaderId");

-- CreateIndex
CREATE INDEX "Blob_expiresAt_idx" ON "Blob"("expiresAt");

-- CreateIndex
CREATE INDEX "Blob_conversationId_idx" ON "Blob"("conversationId");

-- CreateIndex
CREATE INDEX "BlobRecipient_accountId_idx" ON "BlobRecipient"("accountId");

-- AddForeignKey
ALTER TABLE "BlobRecipient" ADD CONSTRAINT "BlobRecipient_blobId_fkey" FOREIGN KEY ("blobId") REFERENCES "Blob"("id") ON DELETE CASCADE ON UPDATE CASCADE;
