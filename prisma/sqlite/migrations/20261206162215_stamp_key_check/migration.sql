-- CreateTable
CREATE TABLE "StampKeyCheck" (
    "kid" TEXT NOT NULL PRIMARY KEY,
    "checkValue" BLOB NOT NULL,
    "activeSeenAt" DATETIME
);
