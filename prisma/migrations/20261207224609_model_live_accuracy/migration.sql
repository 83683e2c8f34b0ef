-- AlterTable
ALTER TABLE "models" ADD COLUMN     "live_accuracy" DOUBLE PRECISION,
ADD COLUMN     "live_count" INTEGER NOT NULL DEFAULT 0;

-- The live figures of the predictions resolved so far.
UPDATE "models" m SET "live_accuracy" = s.hit_rate, "live_count" = s.n
FROM (
  SELECT "model_id", count(*)::int AS n, avg("correct"::int)::float8 AS hit_rate
  FROM "predictions" WHERE "resolution_status" = 'RESOLVED' GROUP BY "model_id"
) s
WHERE m."id" = s."model_id";

ALTER TABLE "models" ADD CONSTRAINT "models_live_accuracy_check" CHECK ("live_accuracy" IS NULL OR "live_accuracy" BETWEEN 0 AND 1);
ALTER TABLE "models" ADD CONSTRAINT "models_live_count_check" CHECK ("live_count" >= 0);
