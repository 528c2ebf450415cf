/*
  Warnings:

  - The primary key for the `OneTimePreKey` table will be changed. If it partially fails, the table could be left without primary key constraint.

*/
-- CreateTable
CREATE TABLE "DeviceSignedPreKey" (
    "accountId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL,
    "keyId" INTEGER NOT NULL,
    "publicKey" BLOB NOT NULL,
    "signature" BLOB NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("accountId", "deviceId"),
    CONSTRAINT "DeviceSignedPreKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_OneTimePreKey" (
    "accountId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL DEFAULT 1,
    "keyId" INTEGER NOT NULL,
    "publicKey" BLOB NOT NULL,

    PRIMARY KEY ("accountId", "deviceId", "keyId"),
    CONSTRAINT "OneTimePreKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_OneTimePreKey" ("accountId", "keyId", "publicKey") SELECT "accountId", "keyId", "publicKey" FROM "OneTimePreKey";
DROP TABLE "OneTimePreKey";
ALTER TABLE "new_OneTimePreKey" RENAME TO "OneTimePreKey";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
