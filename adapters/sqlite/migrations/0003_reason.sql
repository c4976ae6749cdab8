-- Why a question was not answered: "out_of_scope" (not a radiology careers question), "no_match" (in
-- scope, perhaps, but no entry fits: a gap in the knowledge), "medical" or "crisis" (refused). Empty for
-- answers and for rows written before RadBot recorded it.
ALTER TABLE interactions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
