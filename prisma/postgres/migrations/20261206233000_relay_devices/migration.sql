-- AlterTable
ALTER TABLE "Envelope" ADD COLUMN     "copyKind" INTEGER,
ADD COLUMN     "senderDeviceId" BIGINT,
ADD COLUMN     "senderListHash" BYTEA,
ADD COLUMN     "senderListVersion" BIGINT,
ADD COLUMN     "targetDeviceId" BIGINT,
ADD COLUMN     "targetListHash" BYTEA,
ADD COLUMN     "targetListVersion" BIGINT;

-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "reportedFromDeviceId" BIGINT;

-- AlterTable
ALTER TABLE "ReportItem" ADD COLUMN     "deliveredToDeviceId" BIGINT;
