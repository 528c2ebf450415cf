-- CreateTable
CREATE TABLE "KeyPackage" (
    "ref" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "lastResort" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KeyPackage_pkey" PRIMARY KEY ("ref")
);

-- CreateTable
CREATE TABLE "MlsGroupState" (
    "conversationId" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "leaves" TEXT NOT NULL,
    "proposals" TEXT NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MlsGroupState_pkey" PRIMARY KEY ("conversationId")
);

-- CreateTable
CREATE TABLE "GroupMessage" (
    "id" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "commitment" BYTEA,
    "serverTime" BIGINT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GroupMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupDelivery" (
    "messageId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "kid" TEXT,
    "tag" BYTEA,
    "serverTime" BIGINT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GroupDelivery_pkey" PRIMARY KEY ("recipientId","messageId")
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

-- AddForeignKey
ALTER TABLE "GroupDelivery" ADD CONSTRAINT "GroupDelivery_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "GroupMessage"("id") ON DELETE CASCADE ON UPDATE CASCADE;
