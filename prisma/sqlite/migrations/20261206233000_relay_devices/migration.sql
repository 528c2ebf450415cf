-- AlterTable
ALTER TABLE "Envelope" ADD COLUMN "copyKind" INTEGER;
ALTER TABLE "Envelope" ADD COLUMN "senderDeviceId" BIGINT;
ALTER TABLE "Envelope" ADD COLUMN "senderListHash" BLOB;
ALTER TABLE "Envelope" ADD COLUMN "senderListVersion" BIGINT;
ALTER TABLE "Envelope" ADD COLUMN "targetDeviceId" BIGINT;
ALTER TABLE "Envelope" ADD COLUMN "targetListHash" BLOB;
ALTER TABLE "Envelope" ADD COLUMN "targetListVersion" BIGINT;

-- AlterTable
ALTER TABLE "Report" ADD COLUMN "reportedFromDeviceId" BIGINT;

-- AlterTable
ALTER TABLE "ReportItem" ADD COLUMN "deliveredToDeviceId" BIGINT;
