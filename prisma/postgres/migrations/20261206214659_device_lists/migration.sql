-- DropIndex
DROP INDEX "Session_accountId_idx";

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "deviceListVersion" INTEGER;

-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "deviceId" BIGINT NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "DeviceListVersion" (
    "accountId" TEXT NOT NULL,
    "listVersion" INTEGER NOT NULL,
    "listHash" BYTEA NOT NULL,
    "list" BYTEA NOT NULL,
    "leafIndex" INTEGER NOT NULL,
    "acceptedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceListVersion_pkey" PRIMARY KEY ("accountId","listVersion")
);

-- CreateTable
CREATE TABLE "DeviceRecord" (
    "accountId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL,
    "addedInVersion" INTEGER NOT NULL,
    "acceptedAt" TIMESTAMP(3) NOT NULL,
    "removedInVersion" INTEGER,
    "removedAt" TIMESTAMP(3),

    CONSTRAINT "DeviceRecord_pkey" PRIMARY KEY ("accountId","deviceId")
);

-- CreateIndex
CREATE INDEX "Session_accountId_deviceId_idx" ON "Session"("accountId", "deviceId");

-- AddForeignKey
ALTER TABLE "DeviceListVersion" ADD CONSTRAINT "DeviceListVersion_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceRecord" ADD CONSTRAINT "DeviceRecord_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
