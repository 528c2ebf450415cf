-- Key packages per device (docs/PROTOCOL-devices.md D14.3); existing packages are device 1's (D17.3).
-- DropIndex
DROP INDEX "KeyPackage_accountId_lastResort_createdAt_idx";

-- AlterTable
ALTER TABLE "KeyPackage" ADD COLUMN "deviceId" BIGINT NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "KeyPackage_accountId_deviceId_lastResort_createdAt_idx" ON "KeyPackage"("accountId", "deviceId", "lastResort", "createdAt");
