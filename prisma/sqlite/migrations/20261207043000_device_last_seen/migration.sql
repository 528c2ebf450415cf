-- AlterTable
ALTER TABLE "DeviceRecord" ADD COLUMN "lastSeenAt" DATETIME;
