-- CreateTable
CREATE TABLE "LinkChannel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "newTokenHash" BLOB NOT NULL,
    "existingTokenHash" BLOB,
    "frameCount" INTEGER NOT NULL DEFAULT 0,
    "byteCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LinkFrame" (
    "channelId" TEXT NOT NULL,
    "side" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "frame" BLOB NOT NULL,

    PRIMARY KEY ("channelId", "side", "seq"),
    CONSTRAINT "LinkFrame_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "LinkChannel" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "LinkChannel_expiresAt_idx" ON "LinkChannel"("expiresAt");
