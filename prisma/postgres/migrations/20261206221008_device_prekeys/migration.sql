/*
  Warnings:

  - The primary key for the `OneTimePreKey` table will be changed. If it partially fails, the table could be left without primary key constraint.

*/
-- AlterTable
ALTER TABLE "OneTimePreKey" DROP CONSTRAINT "OneTimePreKey_pkey",
ADD COLUMN     "deviceId" BIGINT NOT NULL DEFAULT 1,
ADD CONSTRAINT "OneTimePreKey_pkey" PRIMARY KEY ("accountId", "deviceId", "keyId");

-- CreateTable
CREATE TABLE "DeviceSignedPreKey" (
    "accountId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL,
    "keyId" INTEGER NOT NULL,
    "publicKey" BYTEA NOT NULL,
    "signature" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeviceSignedPreKey_pkey" PRIMARY KEY ("accountId","deviceId")
);

-- AddForeignKey
ALTER TABLE "DeviceSignedPreKey" ADD CONSTRAINT "DeviceSignedPreKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
