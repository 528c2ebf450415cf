-- CreateTable
CREATE TABLE "SendReceipt" (
    "senderId" TEXT NOT NULL,
    "clientMessageId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "commitment" BLOB NOT NULL,
    "serverTime" BIGINT NOT NULL,
    "kid" TEXT NOT NULL,
    "tag" BLOB NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("senderId", "clientMessageId")
);

-- CreateIndex
CREATE INDEX "SendReceipt_expiresAt_idx" ON "SendReceipt"("expiresAt");
