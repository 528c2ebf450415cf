-- CreateTable
CREATE TABLE "InviteCode" (
    "codeHash" TEXT NOT NULL PRIMARY KEY,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "usedBy" TEXT
);

-- CreateTable
CREATE TABLE "PowRedemption" (
    "challengeHash" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RegistrationNetwork" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "accountId" TEXT NOT NULL,
    "period" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
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
