-- Why a question was not answered: "out_of_scope", "no_match", "medical" or "crisis". Empty for answers.
ALTER TABLE interactions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
