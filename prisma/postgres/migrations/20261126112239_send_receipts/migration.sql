-- CreateTable
CREATE TABLE "SendReceipt" (
    "senderId" TEXT NOT NULL,
    "clientMessageId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "commitment" BYTEA NOT NULL,
    "serverTime" BIGINT NOT NULL,
    "kid" TEXT NOT NULL,
    "tag" BYTEA NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SendReceipt_pkey" PRIMARY KEY ("senderId","clientMessageId")
);

-- CreateIndex
CREATE INDEX "SendReceipt_expiresAt_idx" ON "SendReceipt"("expiresAt");
