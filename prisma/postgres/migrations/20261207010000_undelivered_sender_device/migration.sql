-- AlterTable
ALTER TABLE "UndeliveredRecord" ADD COLUMN     "senderDeviceId" BIGINT NOT NULL DEFAULT 1;
