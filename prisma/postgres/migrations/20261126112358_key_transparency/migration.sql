-- CreateTable
CREATE TABLE "KtLeaf" (
    "index" INTEGER NOT NULL,
    "leaf" BYTEA NOT NULL,
    "leafHash" BYTEA NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KtLeaf_pkey" PRIMARY KEY ("index")
);

-- CreateTable
CREATE TABLE "KtTreeHead" (
    "treeSize" INTEGER NOT NULL,
    "rootHash" BYTEA NOT NULL,
    "timestamp" BIGINT NOT NULL,
    "signature" BYTEA NOT NULL,
    "logKeyId" BYTEA NOT NULL,

    CONSTRAINT "KtTreeHead_pkey" PRIMARY KEY ("treeSize")
);

-- CreateTable
CREATE TABLE "KtCosignature" (
    "treeSize" INTEGER NOT NULL,
    "witnessKeyId" BYTEA NOT NULL,
    "cosignedAt" BIGINT NOT NULL,
    "signature" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KtCosignature_pkey" PRIMARY KEY ("treeSize","witnessKeyId")
);

-- CreateIndex
CREATE INDEX "KtLeaf_accountId_kind_idx" ON "KtLeaf"("accountId", "kind");
