-- DropIndex
DROP INDEX "GroupDelivery_recipientId_serverTime_idx";

-- AlterTable
ALTER TABLE "GroupDelivery" DROP CONSTRAINT "GroupDelivery_pkey",
ADD COLUMN     "deviceId" BIGINT NOT NULL DEFAULT 1,
ADD CONSTRAINT "GroupDelivery_pkey" PRIMARY KEY ("recipientId", "deviceId", "messageId");

-- CreateIndex
CREATE INDEX "GroupDelivery_recipientId_deviceId_serverTime_idx" ON "GroupDelivery"("recipientId", "deviceId", "serverTime");
