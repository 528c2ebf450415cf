-- CreateTable
CREATE TABLE "StampKeyCheck" (
    "kid" TEXT NOT NULL,
    "checkValue" BYTEA NOT NULL,
    "activeSeenAt" TIMESTAMP(3),

    CONSTRAINT "StampKeyCheck_pkey" PRIMARY KEY ("kid")
);
