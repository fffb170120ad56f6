-- Reserved for issue 5's migration (numbers are assigned per issue); empty on this branch.
-- At merge, the real 0004_*.sql replaces this file.
SELECT 1;
