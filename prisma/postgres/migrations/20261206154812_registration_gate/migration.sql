-- CreateTable
CREATE TABLE "InviteCode" (
    "codeHash" TEXT NOT NULL,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedBy" TEXT,

    CONSTRAINT "InviteCode_pkey" PRIMARY KEY ("codeHash")
);

-- CreateTable
CREATE TABLE "PowRedemption" (
    "challengeHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PowRedemption_pkey" PRIMARY KEY ("challengeHash")
);

-- CreateTable
CREATE TABLE "RegistrationNetwork" (
    "id" SERIAL NOT NULL,
    "accountId" TEXT NOT NULL,
    "period" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RegistrationNetwork_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InviteCode_expiresAt_idx" ON "InviteCode"("expiresAt");

-- CreateIndex
CREATE INDEX "PowRedemption_expiresAt_idx" ON "PowRedemption"("expiresAt");

-- CreateIndex
CREATE INDEX "RegistrationNetwork_hash_idx" ON "RegistrationNetwork"("hash");

-- CreateIndex
CREATE INDEX "RegistrationNetwork_accountId_idx" ON "RegistrationNetwork"("accountId");

-- CreateIndex
CREATE INDEX "RegistrationNetwork_createdAt_idx" ON "RegistrationNetwork"("createdAt");
