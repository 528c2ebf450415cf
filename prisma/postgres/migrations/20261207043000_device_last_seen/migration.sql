-- AlterTable
ALTER TABLE "DeviceRecord" ADD COLUMN     "lastSeenAt" TIMESTAMP(3);
