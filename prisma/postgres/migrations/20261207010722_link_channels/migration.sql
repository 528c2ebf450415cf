-- CreateTable
CREATE TABLE "LinkChannel" (
    "id" TEXT NOT NULL,
    "newTokenHash" BYTEA NOT NULL,
    "existingTokenHash" BYTEA,
    "frameCount" INTEGER NOT NULL DEFAULT 0,
    "byteCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LinkChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LinkFrame" (
    "channelId" TEXT NOT NULL,
    "side" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "frame" BYTEA NOT NULL,

    CONSTRAINT "LinkFrame_pkey" PRIMARY KEY ("channelId","side","seq")
);

-- CreateIndex
CREATE INDEX "LinkChannel_expiresAt_idx" ON "LinkChannel"("expiresAt");

-- AddForeignKey
ALTER TABLE "LinkFrame" ADD CONSTRAINT "LinkFrame_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "LinkChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;
