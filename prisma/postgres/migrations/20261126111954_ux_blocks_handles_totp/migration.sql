/*
  Warnings:

  - A unique constraint covering the columns `[handleKey]` on the table `Account` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "handleKey" TEXT;

-- AlterTable
ALTER TABLE "Moderator" ADD COLUMN     "totpLastStep" INTEGER,
ADD COLUMN     "totpPendingSecret" TEXT,
ADD COLUMN     "totpSecret" TEXT;

-- CreateTable
CREATE TABLE "Block" (
    "blockerId" TEXT NOT NULL,
    "blockedId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Block_pkey" PRIMARY KEY ("blockerId","blockedId")
);

-- CreateIndex
CREATE INDEX "Block_blockedId_idx" ON "Block"("blockedId");

-- Backfill (hand-written): one account per lower-cased id gets the handle key; should an older database hold
-- ids differing only in case, the others keep NULL and stay reachable by their exact id.
UPDATE "Account" SET "handleKey" = lower("id") WHERE "id" IN (SELECT min("id") FROM "Account" GROUP BY lower("id"));

-- CreateIndex
CREATE UNIQUE INDEX "Account_handleKey_key" ON "Account"("handleKey");

-- CreateIndex
CREATE INDEX "Envelope_senderId_idx" ON "Envelope"("senderId");
