-- CreateTable
CREATE TABLE "UndeliveredRecord" (
    "messageId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "serverTime" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("messageId", "recipientId")
);

-- CreateIndex
CREATE INDEX "UndeliveredRecord_recipientId_conversationId_senderId_serverTime_idx" ON "UndeliveredRecord"("recipientId", "conversationId", "senderId", "serverTime");

-- CreateIndex
CREATE INDEX "UndeliveredRecord_expiresAt_idx" ON "UndeliveredRecord"("expiresAt");
