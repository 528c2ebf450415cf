-- CreateTable
CREATE TABLE "Blob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "uploaderId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "BlobRecipient" (
    "blobId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "fetchedAt" DATETIME,

    PRIMARY KEY ("blobId", "accountId"),
    CONSTRAINT "BlobRecipient_blobId_fkey" FOREIGN KEY ("blobId") REFERENCES "Blob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
    "verifiedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("reportId", "position", "index")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ConversationMember" (
    "conversationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "joinedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "role" TEXT NOT NULL DEFAULT 'member',

    PRIMARY KEY ("conversationId", "accountId"),
    CONSTRAINT "ConversationMember_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ConversationMember_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ConversationMember" ("accountId", "conversationId", "joinedAt") SELECT "accountId", "conversationId", "joinedAt" FROM "ConversationMember";
DROP TABLE "ConversationMember";
ALTER TABLE "new_ConversationMember" RENAME TO "ConversationMember";
CREATE INDEX "ConversationMember_accountId_idx" ON "ConversationMember"("accountId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Blob_uploaderId_idx" ON "Blob"("uploaderId");

-- CreateIndex
CREATE INDEX "Blob_expiresAt_idx" ON "Blob"("expiresAt");

-- CreateIndex
CREATE INDEX "Blob_conversationId_idx" ON "Blob"("conversationId");

-- CreateIndex
CREATE INDEX "BlobRecipient_accountId_idx" ON "BlobRecipient"("accountId");
