/*
  Warnings:

  - The primary key for the `GroupDelivery` table will be changed. If it partially fails, the table could be left without primary key constraint.

*/
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_GroupDelivery" (
    "messageId" TEXT NOT NULL,
    "recipientId" TEXT NOT NULL,
    "deviceId" BIGINT NOT NULL DEFAULT 1,
    "kid" TEXT,
    "tag" BLOB,
    "serverTime" BIGINT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("recipientId", "deviceId", "messageId"),
    CONSTRAINT "GroupDelivery_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "GroupMessage" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_GroupDelivery" ("expiresAt", "kid", "messageId", "recipientId", "serverTime", "tag") SELECT "expiresAt", "kid", "messageId", "recipientId", "serverTime", "tag" FROM "GroupDelivery";
DROP TABLE "GroupDelivery";
ALTER TABLE "new_GroupDelivery" RENAME TO "GroupDelivery";
CREATE INDEX "GroupDelivery_recipientId_deviceId_serverTime_idx" ON "GroupDelivery"("recipientId", "deviceId", "serverTime");
CREATE INDEX "GroupDelivery_messageId_idx" ON "GroupDelivery"("messageId");
CREATE INDEX "GroupDelivery_expiresAt_idx" ON "GroupDelivery"("expiresAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
