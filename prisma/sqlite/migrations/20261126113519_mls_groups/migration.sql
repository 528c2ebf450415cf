-- CreateTable
CREATE TABLE "KeyPackage" (
    "ref" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "data" BLOB NOT NULL,
    "lastResort" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "MlsGroupState" (
    "conversationId" TEXT NOT NULL PRIMARY KEY,
    "epoch" BIGINT NOT NULL,
    "leaves" TEXT NOT NULL,
    "proposals" TEXT NOT NULL DEFAULT '{}',
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "GroupMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "conversationId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "ciphertext" BLOB NOT NULL,
    "commitment" BLOB,
    "serverTime" BIGINT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "GroupDelivery" (
    "messageId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "kid" TEXT,
    "tag" BLOB,
    "serverTime" BIGINT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("recipientId", "messageId"),
    CONSTRAINT "GroupDelivery_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "GroupMessage" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "KeyPackage_accountId_lastResort_createdAt_idx" ON "KeyPackage"("accountId", "lastResort", "createdAt");

-- CreateIndex
CREATE INDEX "GroupMessage_expiresAt_idx" ON "GroupMessage"("expiresAt");

-- CreateIndex
CREATE INDEX "GroupDelivery_recipientId_serverTime_idx" ON "GroupDelivery"("recipientId", "serverTime");

-- CreateIndex
CREATE INDEX "GroupDelivery_messageId_idx" ON "GroupDelivery"("messageId");

-- CreateIndex
CREATE INDEX "GroupDelivery_expiresAt_idx" ON "GroupDelivery"("expiresAt");
