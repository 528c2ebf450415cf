-- AlterTable
ALTER TABLE "Account" ADD COLUMN "deviceListVersion" INTEGER;

-- CreateTable
CREATE TABLE "DeviceListVersion" (
    "accountId" TEXT NOT NULL,
    "listVersion" INTEGER NOT NULL,
    "listHash" BLOB NOT NULL,
    "list" BLOB NOT NULL,
    "leafIndex" INTEGER NOT NULL,
    "acceptedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("accountId", "listVersion"),
    CONSTRAINT "DeviceListVersion_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DeviceRecord" (
    "accountId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL,
    "addedInVersion" INTEGER NOT NULL,
    "acceptedAt" DATETIME NOT NULL,
    "removedInVersion" INTEGER,
    "removedAt" DATETIME,

    PRIMARY KEY ("accountId", "deviceId"),
    CONSTRAINT "DeviceRecord_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Session" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL DEFAULT 1,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Session_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Session" ("accountId", "createdAt", "expiresAt", "tokenHash") SELECT "accountId", "createdAt", "expiresAt", "tokenHash" FROM "Session";
DROP TABLE "Session";
ALTER TABLE "new_Session" RENAME TO "Session";
CREATE INDEX "Session_accountId_deviceId_idx" ON "Session"("accountId", "deviceId");
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
