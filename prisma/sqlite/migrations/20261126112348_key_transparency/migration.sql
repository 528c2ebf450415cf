-- CreateTable
CREATE TABLE "KtLeaf" (
    "index" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "leaf" BLOB NOT NULL,
    "leafHash" BLOB NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "KtTreeHead" (
    "treeSize" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "rootHash" BLOB NOT NULL,
    "timestamp" BIGINT NOT NULL,
    "signature" BLOB NOT NULL,
    "logKeyId" BLOB NOT NULL
);

-- CreateTable
CREATE TABLE "KtCosignature" (
    "treeSize" INTEGER NOT NULL,
    "witnessKeyId" BLOB NOT NULL,
    "cosignedAt" BIGINT NOT NULL,
    "signature" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("treeSize", "witnessKeyId")
);

-- CreateIndex
CREATE INDEX "KtLeaf_accountId_kind_idx" ON "KtLeaf"("accountId", "kind");
